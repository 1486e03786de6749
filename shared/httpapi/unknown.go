package httpapi

import (
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strings"

	"github.com/lingxi/lingxi/shared/httpapi/jsonptr"
)

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// unknownFields lists every member of the JSON value raw that type t has no field for, as JSON
// pointers under ptr, in document order within an object: the decoder stops at the first, and a
// caller should learn of all of them at once. Names match as encoding/json matches them (exactly,
// else case-insensitively); maps take any key; a type that decodes itself, an interface or
// json.RawMessage takes anything. A value of the wrong shape is left to the decoder to report.
func unknownFields(raw json.RawMessage, t reflect.Type, ptr string) []FieldError {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		var members map[string]json.RawMessage
		if json.Unmarshal(raw, &members) != nil {
			return nil
		}
		fields := jsonFields(t)
		var out []FieldError
		for _, name := range objectKeys(raw, members) {
			ft, ok := fields.lookup(name)
			if !ok {
				out = append(out, FieldError{Field: jsonptr.Key(ptr, name), Reason: "unknown field"})
				continue
			}
			out = append(out, unknownFields(members[name], ft, jsonptr.Key(ptr, name))...)
		}
		return out
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if t.Elem().Kind() == reflect.Uint8 || json.Unmarshal(raw, &items) != nil {
			return nil
		}
		var out []FieldError
		for i, item := range items {
			out = append(out, unknownFields(item, t.Elem(), jsonptr.Index(ptr, i))...)
		}
		return out
	case reflect.Map:
		var members map[string]json.RawMessage
		if json.Unmarshal(raw, &members) != nil {
			return nil
		}
		var out []FieldError
		for _, name := range objectKeys(raw, members) {
			out = append(out, unknownFields(members[name], t.Elem(), jsonptr.Key(ptr, name))...)
		}
		return out
	}
	return nil
}

// objectKeys are the keys of the JSON object raw in document order (members holds it decoded).
func objectKeys(raw json.RawMessage, members map[string]json.RawMessage) []string {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	var keys []string
	if _, err := dec.Token(); err != nil { // {
		return nil
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if k, ok := tok.(string); ok && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			break
		}
	}
	if len(keys) != len(members) { // cannot happen for a body that decoded; be safe
		keys = keys[:0]
		for k := range members {
			keys = append(keys, k)
		}
		slices.Sort(keys)
	}
	return keys
}

// structFields are a struct's JSON names and their types, embedded structs' included.
type structFields map[string]reflect.Type

func (f structFields) lookup(name string) (reflect.Type, bool) {
	if t, ok := f[name]; ok {
		return t, true
	}
	for k, t := range f {
		if strings.EqualFold(k, name) {
			return t, true
		}
	}
	return nil, false
}

func jsonFields(t reflect.Type) structFields {
	out := structFields{}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := sf.Type
		if sf.Anonymous && name == "" {
			et := ft
			for et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for k, v := range jsonFields(et) {
					if _, taken := out[k]; !taken {
						out[k] = v
					}
				}
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out[name] = ft
	}
	return out
}
