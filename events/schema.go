package events

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The schemas are generated from the Go types; TestSchemasUpToDate fails when they drift.
//go:generate go test -run=TestSchemasUpToDate -update

// envelopeSchema is the name of the envelope's schema file (schemas/envelope.json).
const envelopeSchema = "envelope"

// schemaID is the $id of the schema called name (a type name or envelopeSchema): where the file
// lives in the repository.
func schemaID(name string) string {
	return "https://github.com/lingxi/lingxi/events/schemas/" + name + ".json"
}

//go:embed schemas/*.json
var schemaFiles embed.FS

// schemaSet is the compiled envelope schema and one compiled schema per registered type.
type schemaSet struct {
	envelope *jsonschema.Schema
	data     map[string]*jsonschema.Schema
}

// schemas compiles the embedded schemas once, on first use. An error means a schema file is
// missing or broken, a build defect that the package's tests catch.
var schemas = sync.OnceValues(func() (*schemaSet, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat() // date-time is an assertion, not an annotation
	compile := func(name string) (*jsonschema.Schema, error) {
		b, err := schemaFiles.ReadFile("schemas/" + name + ".json")
		if err != nil {
			return nil, fmt.Errorf("events: schema for %s: %w (run go generate ./events)", name, err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("events: schema for %s: %w", name, err)
		}
		if err := c.AddResource(schemaID(name), doc); err != nil {
			return nil, fmt.Errorf("events: schema for %s: %w", name, err)
		}
		sch, err := c.Compile(schemaID(name))
		if err != nil {
			return nil, fmt.Errorf("events: compile schema for %s: %w", name, err)
		}
		return sch, nil
	}
	set := &schemaSet{data: make(map[string]*jsonschema.Schema, len(registry))}
	var err error
	if set.envelope, err = compile(envelopeSchema); err != nil {
		return nil, err
	}
	for _, typ := range Types() {
		if set.data[typ], err = compile(typ); err != nil {
			return nil, err
		}
	}
	return set, nil
})

// schemaDetail turns a validation error into one line: the failing leaves, each with its JSON
// pointer in the instance ("at '/csat': maximum: got 7, want 5").
func schemaDetail(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	var leaves []string
	var walk func(*jsonschema.ValidationError)
	walk = func(v *jsonschema.ValidationError) {
		if len(v.Causes) == 0 {
			leaves = append(leaves, v.Error())
			return
		}
		for _, c := range v.Causes {
			walk(c)
		}
	}
	walk(ve)
	return strings.Join(leaves, "; ")
}
