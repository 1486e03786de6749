package devstack

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Template is a parsed SAM / CloudFormation template. Intrinsic functions stay in their JSON form
// ({"Ref": x}, {"Fn::GetAtt": [a, b]}, {"Fn::Sub": s}, …) whether the file used the short YAML tags
// (!Ref, !GetAtt, !Sub, …) or the long form; a resolver evaluates them once local names are known.
// SAM Globals are already merged into each function and HTTP API.
type Template struct {
	// Dir is the folder that holds the template; CodeUri is relative to it.
	Dir        string
	Parameters map[string]Parameter
	Conditions map[string]any
	Mappings   map[string]any
	Resources  map[string]*Resource
	// Outputs holds each output's unresolved Value.
	Outputs map[string]any
}

// Parameter is one entry of the template's Parameters section.
type Parameter struct {
	Type           string
	Default        *string
	AllowedValues  []string
	AllowedPattern string
	MinLength      *int
	MaxLength      *int
}

// Resource is one entry of the template's Resources section, unresolved.
type Resource struct {
	LogicalID  string
	Type       string
	Properties map[string]any
	Condition  string
	Metadata   map[string]any
}

// ParseTemplate reads and parses a template file.
func ParseTemplate(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	t, err := parseTemplate(data)
	if err != nil {
		return nil, fmt.Errorf("parse template %s: %w", path, err)
	}
	t.Dir = filepath.Dir(abs)
	return t, nil
}

// maxTemplateNodes bounds the values a template expands to (YAML aliases can multiply them).
const maxTemplateNodes = 1 << 20

func parseTemplate(data []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 {
		return nil, fmt.Errorf("empty template")
	}
	budget := maxTemplateNodes
	root, err := yamlValue(&doc, &budget)
	if err != nil {
		return nil, err
	}
	top, ok := root.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("template is not a mapping")
	}
	t := &Template{
		Parameters: map[string]Parameter{},
		Conditions: asMap(top["Conditions"]),
		Mappings:   asMap(top["Mappings"]),
		Resources:  map[string]*Resource{},
		Outputs:    map[string]any{},
	}
	for name, o := range asMap(top["Outputs"]) {
		t.Outputs[name] = asMap(o)["Value"]
	}
	for name, raw := range asMap(top["Parameters"]) {
		pm := asMap(raw)
		p := Parameter{Type: scalarString(pm["Type"])}
		if d, ok := pm["Default"]; ok {
			s := scalarString(d)
			if l, ok := d.([]any); ok { // a list default for a CommaDelimitedList
				parts := make([]string, len(l))
				for i, v := range l {
					parts[i] = scalarString(v)
				}
				s = strings.Join(parts, ",")
			}
			p.Default = &s
		}
		for _, v := range asList(pm["AllowedValues"]) {
			p.AllowedValues = append(p.AllowedValues, scalarString(v))
		}
		p.AllowedPattern = scalarString(pm["AllowedPattern"])
		for key, dst := range map[string]**int{"MinLength": &p.MinLength, "MaxLength": &p.MaxLength} {
			if v, ok := pm[key]; ok {
				n, err := toInt(v, 0)
				if err != nil {
					return nil, fmt.Errorf("parameter %s %s: %w", name, key, err)
				}
				*dst = &n
			}
		}
		t.Parameters[name] = p
	}
	globals := asMap(top["Globals"])
	resources := asMap(top["Resources"])
	if len(resources) == 0 {
		return nil, fmt.Errorf("template has no Resources")
	}
	for id, raw := range resources {
		rm, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("resource %s is not a mapping", id)
		}
		r := &Resource{
			LogicalID:  id,
			Type:       scalarString(rm["Type"]),
			Properties: asMap(rm["Properties"]),
			Condition:  scalarString(rm["Condition"]),
			Metadata:   asMap(rm["Metadata"]),
		}
		if r.Type == "" {
			return nil, fmt.Errorf("resource %s has no Type", id)
		}
		if r.Properties == nil {
			r.Properties = map[string]any{}
		}
		switch r.Type {
		case "AWS::Serverless::Function":
			r.Properties = mergeGlobals(asMap(globals["Function"]), r.Properties)
		case "AWS::Serverless::HttpApi":
			r.Properties = mergeGlobals(asMap(globals["HttpApi"]), r.Properties)
		}
		t.Resources[id] = r
	}
	return t, nil
}

// sortedIDs returns the logical ids of the resources of the given types, sorted, so that everything
// derived from a template (ports, log order) is deterministic.
func (t *Template) sortedIDs(types ...string) []string {
	var ids []string
	for id, r := range t.Resources {
		for _, ty := range types {
			if r.Type == ty {
				ids = append(ids, id)
				break
			}
		}
	}
	sort.Strings(ids)
	return ids
}

// yamlValue turns a YAML node into plain Go values (map[string]any, []any, string, int, float64,
// bool, nil), rewriting CloudFormation's short-form tags into the long JSON form.
func yamlValue(n *yaml.Node, budget *int) (any, error) {
	if *budget--; *budget < 0 {
		return nil, fmt.Errorf("template expands to more than %d values", maxTemplateNodes)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlValue(n.Content[0], budget)
	case yaml.AliasNode:
		return yamlValue(n.Alias, budget)
	}
	custom := strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!")
	var v any
	switch n.Kind {
	case yaml.ScalarNode:
		if custom {
			v = n.Value
		} else if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			cv, err := yamlValue(c, budget)
			if err != nil {
				return nil, err
			}
			l = append(l, cv)
		}
		v = l
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if k == "<<" { // YAML merge key: copy the aliased mapping's entries underneath
				mv, err := yamlValue(n.Content[i+1], budget)
				if err != nil {
					return nil, err
				}
				for mk, mvv := range asMap(mv) {
					if _, ok := m[mk]; !ok {
						m[mk] = mvv
					}
				}
				continue
			}
			cv, err := yamlValue(n.Content[i+1], budget)
			if err != nil {
				return nil, err
			}
			m[k] = cv
		}
		v = m
	default:
		return nil, fmt.Errorf("line %d: unexpected YAML node kind %v", n.Line, n.Kind)
	}
	if !custom {
		return v, nil
	}
	name := strings.TrimPrefix(n.Tag, "!")
	switch name {
	case "Ref":
		return map[string]any{"Ref": v}, nil
	case "Condition":
		return map[string]any{"Condition": v}, nil
	case "GetAtt":
		if s, ok := v.(string); ok {
			id, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("line %d: !GetAtt %q needs LogicalId.Attribute", n.Line, s)
			}
			return map[string]any{"Fn::GetAtt": []any{id, attr}}, nil
		}
		return map[string]any{"Fn::GetAtt": v}, nil
	default:
		return map[string]any{"Fn::" + name: v}, nil
	}
}

// mergeGlobals applies SAM's Globals rules: a resource's own scalar wins, maps merge key by key,
// lists are concatenated with the Globals entries first.
func mergeGlobals(global, own map[string]any) map[string]any {
	if len(global) == 0 {
		return own
	}
	out := make(map[string]any, len(own)+len(global))
	for k, v := range global {
		out[k] = v
	}
	for k, v := range own {
		g, ok := out[k]
		if !ok {
			out[k] = v
			continue
		}
		gm, gok := g.(map[string]any)
		om, ook := v.(map[string]any)
		if gok && ook && !isIntrinsic(gm) && !isIntrinsic(om) {
			out[k] = mergeGlobals(gm, om)
			continue
		}
		gl, gok := g.([]any)
		ol, ook := v.([]any)
		if gok && ook {
			merged := append([]any{}, gl...)
			for _, x := range ol {
				dup := false
				for _, y := range gl {
					if fmt.Sprint(x) == fmt.Sprint(y) {
						dup = true
					}
				}
				if !dup {
					merged = append(merged, x)
				}
			}
			out[k] = merged
			continue
		}
		out[k] = v
	}
	return out
}

// isIntrinsic reports whether m is a single-key intrinsic function call such as {"Ref": x}.
func isIntrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// scalarString renders a scalar as CloudFormation would see it ("" for nil and non-scalars).
func scalarString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool, int, int64, float64, uint64:
		return fmt.Sprint(x)
	default:
		return ""
	}
}
