package events

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/invopop/jsonschema"
)

var update = flag.Bool("update", false, "rewrite schemas/*.json from the Go types")

// TestSchemasUpToDate regenerates every schema from the Go types in memory and fails if a file in
// schemas/ differs, is missing or is left over, so the schemas cannot drift from the code. With
// -update (what `go generate ./events` runs) it rewrites them instead.
func TestSchemasUpToDate(t *testing.T) {
	want, err := generateSchemas()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		stale, _ := filepath.Glob("schemas/*.json")
		for _, f := range stale {
			if _, ok := want[filepath.Base(f)]; !ok {
				if err := os.Remove(f); err != nil {
					t.Fatal(err)
				}
			}
		}
		for name, b := range want {
			if err := os.WriteFile(filepath.Join("schemas", name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join("schemas", name))
		if err != nil {
			t.Errorf("schemas/%s: %v (run go generate ./events)", name, err)
			continue
		}
		if !bytes.Equal(got, b) {
			t.Errorf("schemas/%s differs from the Go types (run go generate ./events); want:\n%s", name, b)
		}
	}
	files, _ := filepath.Glob("schemas/*.json")
	for _, f := range files {
		if _, ok := want[filepath.Base(f)]; !ok {
			t.Errorf("%s belongs to no registered type (run go generate ./events)", f)
		}
	}
}

// generateSchemas returns the schema files' contents by file name: envelope.json and one per
// registered type. Descriptions come from the Go doc comments; a named string type's enum is the
// set of its constants declared in this package.
func generateSchemas() (map[string][]byte, error) {
	pkg := reflect.TypeFor[Envelope]().PkgPath()
	enums, err := enumConstants(".")
	if err != nil {
		return nil, err
	}
	r := &jsonschema.Reflector{
		ExpandedStruct: true,
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			vals, ok := enums[t.Name()]
			if t.PkgPath() != pkg || t.Kind() != reflect.String || !ok {
				return nil
			}
			s := &jsonschema.Schema{Type: "string"}
			for _, v := range vals {
				s.Enum = append(s.Enum, v)
			}
			return s
		},
	}
	if err := r.AddGoComments(pkg, "."); err != nil {
		return nil, err
	}
	for k, c := range r.CommentMap { // doc comments are wrapped at 100 columns; descriptions are not
		r.CommentMap[k] = strings.Join(strings.Fields(c), " ")
	}
	out := make(map[string][]byte, len(registry)+1)
	gen := func(name string, t reflect.Type, comment string) error {
		s := r.ReflectFromType(t)
		s.ID = jsonschema.ID(schemaID(name))
		s.Title = name
		s.Comments = comment + " Generated from the Go type " + t.String() + " by `go generate ./events`; do not edit."
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return fmt.Errorf("schema %s: %w", name, err)
		}
		out[name+".json"] = buf.Bytes()
		return nil
	}
	if err := gen(envelopeSchema, reflect.TypeFor[Envelope](), "The envelope of every Lingxi event."); err != nil {
		return nil, err
	}
	for _, typ := range Types() {
		ent := registry[typ]
		if err := gen(typ, ent.goType, fmt.Sprintf("Data of %s version %d.", typ, ent.version)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// enumConstants returns, by type name, the values of the typed string constants declared in the
// non-test Go files of dir, in source order.
func enumConstants(dir string) (map[string][]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	enums := map[string][]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			return nil, err
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				typ, ok := vs.Type.(*ast.Ident)
				if !ok {
					continue
				}
				for _, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						return nil, fmt.Errorf("%s: constant of type %s is not a string literal", fset.Position(v.Pos()), typ.Name)
					}
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						return nil, err
					}
					if slices.Contains(enums[typ.Name], s) {
						return nil, fmt.Errorf("%s: duplicate %s value %q", fset.Position(v.Pos()), typ.Name, s)
					}
					enums[typ.Name] = append(enums[typ.Name], s)
				}
			}
		}
	}
	return enums, nil
}
