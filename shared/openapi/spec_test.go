package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	apihandler "github.com/lingxi/lingxi/functions/api/handler"
	chathandler "github.com/lingxi/lingxi/functions/chat/handler"
	"github.com/lingxi/lingxi/shared/openapi"
	"github.com/lingxi/lingxi/shared/openapi/gen"
)

var update = flag.Bool("update", false, "rewrite openapi.json from the Go types and routers")

// build generates the document. It runs from the module's root, where the Go comments that
// describe the schemas' fields are read.
func build(t *testing.T) []byte {
	t.Helper()
	t.Chdir("../..")
	comments, err := gen.Comments("shared", "functions", "events")
	if err != nil {
		t.Fatal(err)
	}
	b, err := gen.Build(openapi.Info, comments, apihandler.Contract(), chathandler.Contract())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSpecUpToDate regenerates the document from the handlers' contracts and their Go types and
// compares it with the checked-in openapi.json: a field, a status or a route changed on one side
// only fails here. After a deliberate change: go test ./shared/openapi -update.
func TestSpecUpToDate(t *testing.T) {
	got := build(t)
	if *update {
		if err := os.WriteFile("shared/openapi/openapi.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if bytes.Equal(got, openapi.JSON()) {
		return
	}
	want := strings.Split(string(openapi.JSON()), "\n")
	lines := strings.Split(string(got), "\n")
	for i := 0; i < max(len(want), len(lines)); i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(lines) {
			g = lines[i]
		}
		if w != g {
			t.Fatalf("openapi.json is not what the Go types and routers generate (first difference at line %d):\n  checked in: %s\n  generated:  %s\nrun: go test ./shared/openapi -update", i+1, w, g)
		}
	}
}

// TestRoutesMatchRouters compares the document's paths and methods with the routes both
// functions' routers serve: a route on one side only fails.
func TestRoutesMatchRouters(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	served := append(apihandler.New(nil, nil, nil, log).Routes(), chathandler.New(nil, nil, nil, log).Routes()...)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openapi.JSON(), &doc); err != nil {
		t.Fatal(err)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is served but not in openapi.json: describe it in its handler package's Contract() and run go test ./shared/openapi -update", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(served, r) {
			t.Errorf("openapi.json describes %s, which no router serves", r)
		}
	}
}

// TestSpecValid loads the document with kin-openapi and validates it as OpenAPI 3.1.
func TestSpecValid(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
}
