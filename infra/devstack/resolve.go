package devstack

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Region and AccountID are what every local ARN and pseudo parameter uses. The emulators accept
// any account; the SDK in functions is pointed at us-east-1.
const (
	Region    = "us-east-1"
	AccountID = "000000000000"
)

// resolver evaluates intrinsic functions against parameters, conditions, mappings and the local
// resources. Resource Refs and GetAtts are delegated to the stack model.
type resolver struct {
	stack  string
	tmpl   *Template
	params map[string]any // string, or []string for list types
	ref    func(id string) (any, error)
	getAtt func(id, attr string) (any, error)

	conds    map[string]bool
	evalling map[string]bool
}

func newResolver(stack string, t *Template, overrides map[string]string) (*resolver, error) {
	r := &resolver{stack: stack, tmpl: t, params: map[string]any{}, conds: map[string]bool{}, evalling: map[string]bool{}}
	for name := range overrides {
		if _, ok := t.Parameters[name]; !ok {
			return nil, fmt.Errorf("parameter override %s: the template declares no such parameter", name)
		}
	}
	var missing []string
	for name, p := range t.Parameters {
		var val string
		if v, ok := overrides[name]; ok {
			val = v
		} else if p.Default != nil {
			val = *p.Default
		} else {
			missing = append(missing, name)
			continue
		}
		if err := p.check(val); err != nil {
			return nil, fmt.Errorf("parameter %s: %w", name, err)
		}
		if strings.HasPrefix(p.Type, "List<") || p.Type == "CommaDelimitedList" {
			var l []any
			for _, s := range strings.Split(val, ",") {
				l = append(l, strings.TrimSpace(s))
			}
			r.params[name] = l
		} else {
			r.params[name] = val
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("parameters without a Default need a value (-param Name=Value): %s", strings.Join(sortStrings(missing), ", "))
	}
	return r, nil
}

// check applies the parameter's constraints as CloudFormation does before a deploy.
func (p Parameter) check(val string) error {
	if len(p.AllowedValues) > 0 && !contains(p.AllowedValues, val) {
		return fmt.Errorf("%q is not one of %v", val, p.AllowedValues)
	}
	if p.AllowedPattern != "" {
		re, err := regexp.Compile("^(?:" + p.AllowedPattern + ")$")
		if err != nil {
			return fmt.Errorf("AllowedPattern %q: %w", p.AllowedPattern, err)
		}
		if !re.MatchString(val) {
			return fmt.Errorf("value does not match AllowedPattern %s", p.AllowedPattern)
		}
	}
	if p.MinLength != nil && len(val) < *p.MinLength || p.MaxLength != nil && len(val) > *p.MaxLength {
		return fmt.Errorf("value length %d is outside MinLength/MaxLength", len(val))
	}
	return nil
}

// resolve evaluates every intrinsic in v. AWS::NoValue removes the enclosing key or list item.
func (r *resolver) resolve(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if isIntrinsic(x) {
			for k, arg := range x {
				return r.call(k, arg)
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			rv, err := r.resolve(e)
			if errors.Is(err, errNoValue) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = rv
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for i, e := range x {
			rv, err := r.resolve(e)
			if errors.Is(err, errNoValue) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out = append(out, rv)
		}
		return out, nil
	default:
		return v, nil
	}
}

// str resolves v and renders it as a string; lists are an error.
func (r *resolver) str(v any) (string, error) {
	rv, err := r.resolve(v)
	if err != nil {
		return "", err
	}
	switch x := rv.(type) {
	case nil:
		return "", nil
	case map[string]any, []any:
		return "", fmt.Errorf("expected a string, got %T", rv)
	default:
		return scalarString(x), nil
	}
}

func (r *resolver) call(fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("Ref takes a name, got %v", arg)
		}
		return r.refValue(name)
	case "Fn::GetAtt":
		l := asList(arg)
		if len(l) != 2 {
			return nil, fmt.Errorf("Fn::GetAtt takes [LogicalId, Attribute], got %v", arg)
		}
		id, err := r.str(l[0])
		if err != nil {
			return nil, err
		}
		attr, err := r.str(l[1])
		if err != nil {
			return nil, err
		}
		return r.getAtt(id, attr)
	case "Fn::Sub":
		return r.sub(arg)
	case "Fn::Join":
		l := asList(arg)
		if len(l) != 2 {
			return nil, fmt.Errorf("Fn::Join takes [delimiter, list], got %v", arg)
		}
		delim, err := r.str(l[0])
		if err != nil {
			return nil, err
		}
		items, err := r.list(l[1])
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = scalarString(it)
		}
		return strings.Join(parts, delim), nil
	case "Fn::Select":
		l := asList(arg)
		if len(l) != 2 {
			return nil, fmt.Errorf("Fn::Select takes [index, list], got %v", arg)
		}
		is, err := r.str(l[0])
		if err != nil {
			return nil, err
		}
		idx, err := strconv.Atoi(is)
		if err != nil {
			return nil, fmt.Errorf("Fn::Select index %q: %w", is, err)
		}
		items, err := r.list(l[1])
		if err != nil {
			return nil, err
		}
		if idx < 0 || idx >= len(items) {
			return nil, fmt.Errorf("Fn::Select index %d out of range (%d items)", idx, len(items))
		}
		return items[idx], nil
	case "Fn::Split":
		l := asList(arg)
		if len(l) != 2 {
			return nil, fmt.Errorf("Fn::Split takes [delimiter, string], got %v", arg)
		}
		delim, err := r.str(l[0])
		if err != nil {
			return nil, err
		}
		s, err := r.str(l[1])
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range strings.Split(s, delim) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::If":
		l := asList(arg)
		if len(l) != 3 {
			return nil, fmt.Errorf("Fn::If takes [condition, then, else], got %v", arg)
		}
		name, _ := l[0].(string)
		ok, err := r.condition(name)
		if err != nil {
			return nil, err
		}
		if ok {
			return r.resolve(l[1])
		}
		return r.resolve(l[2])
	case "Fn::FindInMap":
		l := asList(arg)
		if len(l) < 3 {
			return nil, fmt.Errorf("Fn::FindInMap takes [map, key, key], got %v", arg)
		}
		keys := make([]string, 3)
		for i := range keys {
			s, err := r.str(l[i])
			if err != nil {
				return nil, err
			}
			keys[i] = s
		}
		v, ok := asMap(asMap(r.tmpl.Mappings[keys[0]])[keys[1]])[keys[2]]
		if !ok {
			if len(l) == 4 { // Fn::FindInMap with a DefaultValue (LanguageExtensions)
				return r.resolve(asMap(l[3])["DefaultValue"])
			}
			return nil, fmt.Errorf("Fn::FindInMap: no %s/%s/%s in Mappings", keys[0], keys[1], keys[2])
		}
		return r.resolve(v)
	case "Fn::Base64":
		s, err := r.str(arg)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::GetAZs":
		return []any{Region + "a", Region + "b", Region + "c"}, nil
	case "Fn::ToJsonString":
		v, err := r.resolve(arg)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(v)
		return string(b), err
	case "Fn::Length":
		items, err := r.list(arg)
		if err != nil {
			return nil, err
		}
		return len(items), nil
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		return r.evalCondition(map[string]any{fn: arg})
	case "Fn::ImportValue":
		return nil, fmt.Errorf("Fn::ImportValue: cross-stack imports are %w; pass the value as a parameter", errUnsupported)
	default:
		return nil, fmt.Errorf("intrinsic %s is %w", fn, errUnsupported)
	}
}

func (r *resolver) list(v any) ([]any, error) {
	rv, err := r.resolve(v)
	if err != nil {
		return nil, err
	}
	l, ok := rv.([]any)
	if !ok {
		return nil, fmt.Errorf("expected a list, got %v", rv)
	}
	return l, nil
}

// refValue is Ref of a parameter, pseudo parameter or resource.
func (r *resolver) refValue(name string) (any, error) {
	switch name {
	case "AWS::Region":
		return Region, nil
	case "AWS::AccountId":
		return AccountID, nil
	case "AWS::StackName":
		return r.stack, nil
	case "AWS::StackId":
		return fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/00000000-0000-0000-0000-000000000000", Region, AccountID, r.stack), nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::NotificationARNs":
		return []any{}, nil
	case "AWS::NoValue":
		return nil, errNoValue
	}
	if v, ok := r.params[name]; ok {
		return v, nil
	}
	return r.ref(name)
}

// sub implements Fn::Sub: "${Name}", "${Name.Attr}", "${!Literal}", with an optional variable map.
func (r *resolver) sub(arg any) (any, error) {
	var tmpl string
	vars := map[string]any{}
	switch x := arg.(type) {
	case string:
		tmpl = x
	case []any:
		if len(x) != 2 {
			return nil, fmt.Errorf("Fn::Sub takes a string or [string, {vars}], got %v", arg)
		}
		s, ok := x[0].(string)
		if !ok {
			return nil, fmt.Errorf("Fn::Sub template must be a string, got %v", x[0])
		}
		tmpl = s
		vars = asMap(x[1])
	default:
		return nil, fmt.Errorf("Fn::Sub takes a string or [string, {vars}], got %v", arg)
	}
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "${")
		if i < 0 {
			b.WriteString(tmpl)
			break
		}
		b.WriteString(tmpl[:i])
		rest := tmpl[i+2:]
		j := strings.Index(rest, "}")
		if j < 0 {
			return nil, fmt.Errorf("Fn::Sub: unclosed ${ in %q", tmpl)
		}
		name := rest[:j]
		tmpl = rest[j+1:]
		if strings.HasPrefix(name, "!") { // ${!Literal} renders as ${Literal}
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		var val any
		var err error
		if v, ok := vars[name]; ok {
			val, err = r.resolve(v)
		} else if id, attr, ok := strings.Cut(name, "."); ok && !strings.Contains(name, "::") {
			val, err = r.getAtt(id, attr)
		} else {
			val, err = r.refValue(name)
		}
		if err != nil {
			return nil, fmt.Errorf("Fn::Sub ${%s}: %w", name, err)
		}
		if _, isList := val.([]any); isList {
			return nil, fmt.Errorf("Fn::Sub ${%s} is a list", name)
		}
		b.WriteString(scalarString(val))
	}
	return b.String(), nil
}

// condition evaluates a named condition from the Conditions section (memoised).
func (r *resolver) condition(name string) (bool, error) {
	if v, ok := r.conds[name]; ok {
		return v, nil
	}
	def, ok := r.tmpl.Conditions[name]
	if !ok {
		return false, fmt.Errorf("unknown condition %q", name)
	}
	if r.evalling[name] {
		return false, fmt.Errorf("condition %q refers to itself", name)
	}
	r.evalling[name] = true
	defer delete(r.evalling, name)
	v, err := r.evalCondition(def)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	r.conds[name] = v
	return v, nil
}

func (r *resolver) evalCondition(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		return strconv.ParseBool(x)
	case map[string]any:
		if len(x) != 1 {
			break
		}
		for fn, arg := range x {
			l := asList(arg)
			switch fn {
			case "Condition":
				name, _ := arg.(string)
				return r.condition(name)
			case "Fn::Equals":
				if len(l) != 2 {
					return false, fmt.Errorf("Fn::Equals takes two values")
				}
				a, err := r.resolve(l[0])
				if err != nil {
					return false, err
				}
				b, err := r.resolve(l[1])
				if err != nil {
					return false, err
				}
				return fmt.Sprint(a) == fmt.Sprint(b), nil
			case "Fn::Not":
				if len(l) != 1 {
					return false, fmt.Errorf("Fn::Not takes one condition")
				}
				b, err := r.evalCondition(l[0])
				return !b, err
			case "Fn::And", "Fn::Or":
				and := fn == "Fn::And"
				for _, c := range l {
					b, err := r.evalCondition(c)
					if err != nil {
						return false, err
					}
					if and && !b {
						return false, nil
					}
					if !and && b {
						return true, nil
					}
				}
				return and, nil
			}
		}
	}
	return false, fmt.Errorf("not a condition: %v", v)
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
