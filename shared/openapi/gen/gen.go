// Package gen builds Lingxi's OpenAPI 3.1 document from the operations the handler packages
// declare (openapi.Operation): paths and methods from their route keys, request and response
// schemas reflected from their Go types (invopop/jsonschema, the generator events/ uses), the
// problem JSON answers each route can give, and the headers of auth, pagination, preconditions,
// idempotency and rate limits. Its output is shared/openapi/openapi.json; the drift test there
// regenerates it and compares.
package gen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/invopop/jsonschema"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/idempotency"
	"github.com/lingxi/lingxi/shared/openapi"
)

// Build returns the OpenAPI document of ops, indented, ending in a newline. Its bytes depend only
// on ops (sorted keys, operations in path order), so a regenerated document compares byte for byte.
func Build(info openapi.DocInfo, comments map[string]string, contracts ...openapi.Contract) ([]byte, error) {
	g := &generator{
		comments:  comments,
		schemas:   map[string]any{},
		names:     map[reflect.Type]string{},
		taken:     map[string]reflect.Type{},
		enums:     map[reflect.Type][]any{},
		responses: map[string]any{},
	}
	var ops []openapi.Operation
	for _, c := range contracts {
		ops = append(ops, c.Operations...)
		for _, e := range c.Enums {
			if len(e) == 0 {
				continue
			}
			t := reflect.TypeOf(e[0])
			for _, v := range e {
				if reflect.TypeOf(v) != t {
					return nil, fmt.Errorf("enum of %s holds a %T", t, v)
				}
			}
			g.enums[t] = e
		}
	}
	paths := map[string]map[string]any{}
	seen := map[string]bool{}
	for _, op := range ops {
		if seen[op.Route] {
			return nil, fmt.Errorf("route %q is described twice", op.Route)
		}
		seen[op.Route] = true
		method, path, ok := strings.Cut(op.Route, " ")
		if !ok {
			return nil, fmt.Errorf("route %q is not \"METHOD /path\"", op.Route)
		}
		o, err := g.operation(op, path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op.Route, err)
		}
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(method)] = o
	}
	g.schemas["Problem"] = problemSchema()
	g.schemas["FieldError"] = map[string]any{
		"type": "object", "additionalProperties": false, "required": []string{"field", "reason"},
		"properties": map[string]any{
			"field":  map[string]any{"type": "string", "description": "JSON pointer into the body (\"/examples/3\"), or a query parameter or header name"},
			"reason": map[string]any{"type": "string"},
		},
	}
	doc := map[string]any{
		"openapi":           "3.1.0",
		"jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
		"info": map[string]any{
			"title": info.Title, "version": info.Version, "description": info.Description,
			"license": map[string]any{"name": "Apache-2.0", "identifier": "Apache-2.0"},
		},
		"servers": []any{map[string]any{"url": "/", "description": "the HTTP API's base URL (devstack: http://127.0.0.1:3000)"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": g.schemas,
			"securitySchemes": map[string]any{
				"apiKey": map[string]any{
					"type": "http", "scheme": "bearer",
					"description": "An API key: `Authorization: Bearer <key>`. Tenant keys have the role admin or partner; the platform-admin key only manages tenants. A person's session token (`lxs_…`, from POST /v1/sessions) acts with the person's role: agent, supervisor or admin (as an admin key).",
				},
			},
			"headers":    commonHeaders(),
			"responses":  g.responses,
			"parameters": commonParameters(),
		},
		"tags": g.tags(ops),
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type generator struct {
	schemas   map[string]any
	names     map[reflect.Type]string // reflected type → component name
	taken     map[string]reflect.Type
	enums     map[reflect.Type][]any // named string types and their values
	comments  map[string]string      // Go doc comments of exported types and fields (Comments)
	responses map[string]any         // problem answers shared by routes
}

// Module is the import path the comments of Comments are keyed under.
const Module = "github.com/lingxi/lingxi"

// Comments reads the doc comments of the exported types and fields in dirs (relative to the
// working directory, which must be the module's root), for the schemas' descriptions: what a
// field means is written once, on the Go field.
func Comments(dirs ...string) (map[string]string, error) {
	r := &jsonschema.Reflector{}
	for _, d := range dirs {
		if err := r.AddGoComments(Module, d); err != nil {
			return nil, fmt.Errorf("comments of %s: %w", d, err)
		}
	}
	return r.CommentMap, nil
}

func (g *generator) tags(ops []openapi.Operation) []any {
	var names []string
	for _, op := range ops {
		if op.Tag != "" && !slices.Contains(names, op.Tag) {
			names = append(names, op.Tag)
		}
	}
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = map[string]any{"name": n}
	}
	return out
}

func (g *generator) operation(op openapi.Operation, path string) (map[string]any, error) {
	o := map[string]any{"operationId": op.ID, "summary": op.Summary}
	if op.ID == "" || op.Summary == "" {
		return nil, fmt.Errorf("an operation needs an ID and a Summary")
	}
	if op.Description != "" {
		o["description"] = op.Description
	}
	if op.Tag != "" {
		o["tags"] = []string{op.Tag}
	}
	switch op.Auth {
	case openapi.AuthNone:
		o["security"] = []any{}
	case openapi.AuthPlatformAdmin:
		o["security"] = []any{map[string]any{"apiKey": []string{}}}
		o["x-lingxi-key"] = "platform-admin"
	case openapi.AuthTenant:
		if op.Role == "" {
			return nil, fmt.Errorf("a tenant route names the role it needs")
		}
		o["security"] = []any{map[string]any{"apiKey": []string{}}}
		o["x-lingxi-key"] = op.Role
	}

	var params []any
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			params = append(params, map[string]any{"name": seg[1 : len(seg)-1], "in": "path", "required": true,
				"schema": map[string]any{"type": "string"}})
		}
	}
	if op.Paginated {
		params = append(params, ref("parameters", "limit"), ref("parameters", "cursor"))
	}
	for _, q := range op.Query {
		s := map[string]any{"type": "string"}
		if q.Pattern != "" {
			s["pattern"] = q.Pattern
		}
		params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Description, "schema": s})
	}
	if op.Preconditions {
		params = append(params, ref("parameters", "If-Match"), ref("parameters", "If-None-Match"))
	}
	if op.Idempotent {
		params = append(params, ref("parameters", "Idempotency-Key"))
	}
	if len(params) > 0 {
		o["parameters"] = params
	}

	switch op.Body {
	case openapi.BodyRequired, openapi.BodyOptional:
		if op.Request == nil && len(op.Media) == 0 {
			return nil, fmt.Errorf("a route with a body names its Go type (Request) or its media types (Media)")
		}
		content := map[string]any{}
		if op.Request != nil { // nil: the body is only of the Media types (a CSV upload)
			s, err := g.schema(op.Request, true)
			if err != nil {
				return nil, err
			}
			content["application/json"] = map[string]any{"schema": s}
		}
		for _, m := range op.Media {
			content[m] = map[string]any{"schema": map[string]any{"type": "string"}}
		}
		o["requestBody"] = map[string]any{"required": op.Body == openapi.BodyRequired, "content": content}
	case openapi.BodyEmpty:
		o["requestBody"] = map[string]any{"required": false, "description": "none, or the empty object",
			"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{
				"type": "object", "additionalProperties": false, "maxProperties": 0}}}}
	}

	responses := map[string]any{}
	for _, r := range op.Responses {
		resp, err := g.success(op, r)
		if err != nil {
			return nil, err
		}
		responses[strconv.Itoa(r.Status)] = resp
	}
	for status, kinds := range problems(op) {
		responses[strconv.Itoa(status)] = g.problemResponse(op, status, kinds)
	}
	o["responses"] = responses
	return o, nil
}

// success renders one success answer with its headers.
func (g *generator) success(op openapi.Operation, r openapi.Response) (map[string]any, error) {
	if r.Description == "" {
		r.Description = http.StatusText(r.Status)
	}
	resp := map[string]any{"description": r.Description}
	if r.Body != nil {
		s, err := g.schema(r.Body, false)
		if err != nil {
			return nil, err
		}
		resp["content"] = map[string]any{"application/json": map[string]any{"schema": s}}
		for _, ptr := range op.Secrets {
			if err := g.optional(s, ptr); err != nil {
				return nil, err
			}
		}
	}
	if r.Media != "" {
		resp["content"] = map[string]any{r.Media: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
	}
	headers := rateHeaders(op)
	if r.ETag || r.Cache {
		headers["ETag"] = map[string]any{"required": true, "description": "the version, quoted (\"3\"); send it back in If-Match", "schema": map[string]any{"type": "string"}}
		if r.Cache {
			headers["ETag"] = map[string]any{"required": true, "description": "the document's hash; send it back in If-None-Match", "schema": map[string]any{"type": "string"}}
		}
	}
	if r.Location {
		headers["Location"] = map[string]any{"required": true, "description": "where to follow the job", "schema": map[string]any{"type": "string"}}
	}
	if r.NoStore || r.Cache {
		headers["Cache-Control"] = map[string]any{"required": true, "schema": map[string]any{"type": "string"}}
	}
	if op.Idempotent {
		headers[idempotency.ReplayedHeader] = ref("headers", idempotency.ReplayedHeader)
		headers[idempotency.OmittedHeader] = ref("headers", idempotency.OmittedHeader)
	}
	if len(headers) > 0 {
		resp["headers"] = headers
	}
	return resp, nil
}

// rateHeaders are the RateLimit fields of a tenant route's every answer. They are optional: a
// tenant whose plan leaves a class unlimited gets none, and a limiter that fails admits without.
func rateHeaders(op openapi.Operation) map[string]any {
	h := map[string]any{}
	if op.Auth == openapi.AuthTenant {
		h["RateLimit"] = ref("headers", "RateLimit")
		h["RateLimit-Policy"] = ref("headers", "RateLimit-Policy")
	}
	return h
}

// problems returns, by status, the problem kinds op can answer: those every route of its kind
// answers (auth, bodies, rate limits, idempotency, internal errors) and its own.
func problems(op openapi.Operation) map[int][]*httpapi.Kind {
	kinds := openapi.Problems(httpapi.KindInternal)
	switch op.Auth {
	case openapi.AuthTenant:
		kinds = append(kinds, httpapi.KindUnauthenticated, httpapi.KindForbidden, httpapi.KindRateLimited)
	case openapi.AuthPlatformAdmin:
		kinds = append(kinds, httpapi.KindUnauthenticated, httpapi.KindForbidden)
	}
	if op.Body != openapi.BodyNone {
		kinds = append(kinds, httpapi.KindValidation, httpapi.KindMalformed, httpapi.KindTooLarge, httpapi.KindMediaType)
	}
	if op.Paginated || len(op.Query) > 0 || op.Preconditions {
		kinds = append(kinds, httpapi.KindValidation)
	}
	if op.Idempotent {
		// A write held under a key that conflicts when it commits with the answer is a conflict,
		// whatever the handler would have said (shared/idempotency).
		kinds = append(append(kinds, httpapi.KindValidation, httpapi.KindConflict, httpapi.KindUnavailable), idempotency.Kinds()...)
	}
	kinds = append(kinds, op.Problems...)
	by := make(map[int][]*httpapi.Kind)
	for _, k := range kinds {
		if !slices.Contains(by[k.Status], k) {
			by[k.Status] = append(by[k.Status], k)
		}
	}
	return by
}

// problemResponse is the problem JSON answer of one status, its type one of kinds.
// Routes that answer the same status with the same types share one component response, named
// by them ("409.conflict.idempotency-key-in-flight", ".limited" with the rate-limit fields).
func (g *generator) problemResponse(op openapi.Operation, status int, kinds []*httpapi.Kind) map[string]any {
	types := make([]string, len(kinds))
	slugs := make([]string, len(kinds))
	for i, k := range kinds {
		types[i] = k.TypeURI()
		slugs[i] = k.Slug
	}
	sort.Strings(types)
	sort.Strings(slugs)
	name := strconv.Itoa(status) + "." + strings.Join(slugs, ".")
	if op.Auth == openapi.AuthTenant {
		name += ".limited"
	}
	if _, ok := g.responses[name]; !ok {
		g.responses[name] = problemResponse(op, status, kinds, types)
	}
	return ref("responses", name)
}

func problemResponse(op openapi.Operation, status int, kinds []*httpapi.Kind, types []string) map[string]any {
	desc := make([]string, len(kinds))
	for i, k := range kinds {
		desc[i] = "`" + k.TypeURI() + "`: " + k.Title
	}
	sort.Strings(desc)
	schema := map[string]any{"allOf": []any{
		ref("schemas", "Problem"),
		map[string]any{"properties": map[string]any{"type": map[string]any{"enum": types}, "status": map[string]any{"const": status}}},
	}}
	resp := map[string]any{
		"description": strings.Join(desc, "; "),
		"content":     map[string]any{"application/problem+json": map[string]any{"schema": schema}},
	}
	headers := rateHeaders(op)
	if status == http.StatusTooManyRequests {
		headers["Retry-After"] = ref("headers", "Retry-After")
	}
	if len(headers) > 0 {
		resp["headers"] = headers
	}
	return resp
}

// problemSchema is RFC 9457's problem body as httpapi.Problem writes it.
func problemSchema() map[string]any {
	return map[string]any{
		"type": "object", "additionalProperties": false, "required": []string{"type", "title", "status"},
		"description": "RFC 9457 problem details. `type` is stable (urn:lingxi:problem:<slug>); `detail` is for people.",
		"properties": map[string]any{
			"type":     map[string]any{"type": "string", "pattern": "^urn:lingxi:problem:[a-z-]+$"},
			"title":    map[string]any{"type": "string"},
			"status":   map[string]any{"type": "integer"},
			"detail":   map[string]any{"type": "string"},
			"instance": map[string]any{"type": "string", "description": "the request path"},
			"errors":   map[string]any{"type": "array", "items": ref("schemas", "FieldError"), "description": "every invalid field (validation, untrainable)"},
			"quota": map[string]any{"type": "object", "additionalProperties": false, "required": []string{"name", "limit", "usage"},
				"description": "the quota a write would exceed (quota-exceeded)",
				"properties": map[string]any{"name": map[string]any{"type": "string"},
					"limit": map[string]any{"type": "integer"}, "usage": map[string]any{"type": "integer"}}},
		},
	}
}

func commonHeaders() map[string]any {
	str := map[string]any{"type": "string"}
	return map[string]any{
		"RateLimit": map[string]any{"schema": str, "example": `"chat";r=39;t=1`,
			"description": "draft-ietf-httpapi-ratelimit-headers: r requests left now in the route's class, t seconds until the allowance is full"},
		"RateLimit-Policy": map[string]any{"schema": str, "example": `"chat";q=20;w=1;burst=40`,
			"description": "the class's policy: q requests per w seconds, bursts of burst"},
		"Retry-After": map[string]any{"required": true, "schema": map[string]any{"type": "string", "pattern": "^[0-9]+$"},
			"description": "seconds until one more request of the class would be admitted"},
		idempotency.ReplayedHeader: map[string]any{"schema": map[string]any{"type": "string", "enum": []string{"true"}},
			"description": "this is the stored answer to an earlier request with the same Idempotency-Key"},
		idempotency.OmittedHeader: map[string]any{"schema": str,
			"description": "JSON pointers (comma-separated) of the secrets a replayed answer left out: they are shown once"},
	}
}

func commonParameters() map[string]any {
	return map[string]any{
		"limit": map[string]any{"name": "limit", "in": "query", "description": "items per page",
			"schema": map[string]any{"type": "integer", "minimum": 1, "maximum": 100, "default": 50}},
		"cursor": map[string]any{"name": "cursor", "in": "query", "description": "next_cursor of the previous page",
			"schema": map[string]any{"type": "string"}},
		"If-Match": map[string]any{"name": "If-Match", "in": "header",
			"description": "only if the item is at this version (its ETag, \"3\", or bare 3), or exists (*); else 412",
			"schema":      map[string]any{"type": "string"}},
		"If-None-Match": map[string]any{"name": "If-None-Match", "in": "header",
			"description": "`*`: only if the item does not exist yet; else 412", "schema": map[string]any{"type": "string", "enum": []string{"*"}}},
		"Idempotency-Key": map[string]any{"name": idempotency.Header, "in": "header",
			"description": "1-255 printable ASCII characters. A retry with the same key and body within 24 hours gets the first answer again (Idempotent-Replayed: true); the same key with another body is 422 idempotency-key-reused; one still running is 409 idempotency-key-in-flight.",
			"schema":      map[string]any{"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"}},
	}
}

func ref(group, name string) map[string]any {
	return map[string]any{"$ref": "#/components/" + group + "/" + name}
}

// schema reflects v's type into a component schema (and those of the types it holds) and
// returns a reference to it. Request schemas require nothing (the handlers say what is missing,
// with a pointer) and reject unknown fields, as the strict decoder does; response schemas require
// every field the encoder always writes and allow null where Go writes null (a nil slice, map or
// pointer without omitempty).
func (g *generator) schema(v any, request bool) (map[string]any, error) {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	r := &jsonschema.Reflector{
		RequiredFromJSONSchemaTags: request,
		Anonymous:                  true,
		CommentMap:                 g.comments,
		Namer:                      func(t reflect.Type) string { return g.name(t, request) },
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			if e, ok := g.enums[t]; ok {
				return &jsonschema.Schema{Type: "string", Enum: e}
			}
			return nil
		},
	}
	s := r.ReflectFromType(t)
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		return nil, err
	}
	defs, _ := root["$defs"].(map[string]any)
	delete(root, "$defs")
	delete(root, "$schema")
	for name, d := range defs {
		def := rewriteRefs(d).(map[string]any)
		if !request {
			nullable(def, g.typeOf(name))
		}
		g.schemas[name] = def
	}
	// A reference to a named type's component, or an unnamed one (a map, a slice) inline.
	return rewriteRefs(root).(map[string]any), nil
}

func (g *generator) typeOf(name string) reflect.Type { return g.taken[name] }

// name gives each reflected type one component name: its Go name, exported ("intentBody" →
// "IntentInput" for a request), prefixed with its package's when two packages use the same name.
func (g *generator) name(t reflect.Type, request bool) string {
	if t.Name() == "" {
		return "" // a slice or map: inline
	}
	if n, ok := g.names[t]; ok && !request {
		return n
	}
	base := t.Name()
	if i := strings.IndexByte(base, '['); i >= 0 { // generic: page[pkg.intentSummary] → IntentSummaryPage
		arg := base[i+1 : len(base)-1]
		arg = arg[strings.LastIndexByte(arg, '.')+1:]
		base = exported(arg) + exported(base[:i])
	}
	base = exported(base)
	if request {
		base = strings.TrimSuffix(base, "Body") + "Input"
	}
	name := base
	if other, ok := g.taken[name]; ok && other != t {
		pkg := t.PkgPath()
		name = exported(pkg[strings.LastIndexByte(pkg, '/')+1:]) + base
	}
	g.taken[name] = t
	if !request {
		g.names[t] = name
	}
	return name
}

func exported(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// rewriteRefs points invopop's "#/$defs/X" references at the document's components.
func rewriteRefs(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "$ref" {
				if s, ok := e.(string); ok {
					x[k] = strings.Replace(s, "#/$defs/", "#/components/schemas/", 1)
				}
				continue
			}
			x[k] = rewriteRefs(e)
		}
	case []any:
		for i, e := range x {
			x[i] = rewriteRefs(e)
		}
	}
	return v
}

// nullable lets the properties of struct schema def be null where encoding/json writes null for
// t's field: a nil slice, map or pointer without omitempty.
func nullable(def map[string]any, t reflect.Type) {
	if t == nil || t.Kind() != reflect.Struct {
		return
	}
	props, _ := def["properties"].(map[string]any)
	for name, f := range jsonFields(t) {
		p, ok := props[name].(map[string]any)
		if !ok || f.omitempty {
			continue
		}
		switch f.typ.Kind() {
		case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface:
		default:
			continue
		}
		props[name] = map[string]any{"anyOf": []any{p, map[string]any{"type": "null"}}}
	}
}

type jsonField struct {
	typ       reflect.Type
	omitempty bool
}

// jsonFields returns t's JSON fields by name, embedded structs' included, as encoding/json sees them.
func jsonFields(t reflect.Type) map[string]jsonField {
	out := map[string]jsonField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for k, v := range jsonFields(et) {
					if _, ok := out[k]; !ok {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = jsonField{typ: f.Type, omitempty: strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")}
	}
	return out
}

// optional makes the property at ptr ("/api_key/key") of schema s not required, following
// component references: a secret shown once is left out of a replayed answer.
func (g *generator) optional(s map[string]any, ptr string) error {
	parts := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i, name := range parts {
		for {
			r, ok := s["$ref"].(string)
			if !ok {
				break
			}
			s, _ = g.schemas[strings.TrimPrefix(r, "#/components/schemas/")].(map[string]any)
		}
		props, _ := s["properties"].(map[string]any)
		p, ok := props[name].(map[string]any)
		if !ok {
			return fmt.Errorf("secret %s: no property %q", ptr, name)
		}
		if i < len(parts)-1 {
			s = p
			continue
		}
		if req, ok := s["required"].([]any); ok {
			s["required"] = slices.DeleteFunc(req, func(v any) bool { return v == name })
		}
		p["description"] = "shown once: an idempotent replay leaves it out (Idempotent-Secret-Omitted)"
	}
	return nil
}
