package handler

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/lingxi/lingxi/shared/openapi"
	"github.com/lingxi/lingxi/shared/openapi/openapitest"
)

// TestOpenAPIServed: GET /v1/openapi.json answers the checked-in contract without a key, with an
// ETag; If-None-Match with it is 304 without a body. Every answer is also checked against the
// contract itself (e.call).
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	r := e.call(t, "GET", "/v1/openapi.json", "", "")
	if r.status != 200 || r.headers["ETag"] != openapi.ETag || r.headers["Content-Type"] != "application/json" {
		t.Fatalf("spec: %d %v", r.status, r.headers)
	}
	var want map[string]any
	if err := json.Unmarshal(openapi.JSON(), &want); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(r.body)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(got, wantJSON) {
		t.Fatal("GET /v1/openapi.json is not shared/openapi/openapi.json")
	}
	if r.body["openapi"] != "3.1.0" {
		t.Fatalf("openapi %v", r.body["openapi"])
	}
	r = e.call(t, "GET", "/v1/openapi.json", "", "", "If-None-Match: "+openapi.ETag)
	if r.status != 304 || r.body != nil {
		t.Fatalf("If-None-Match with the ETag: %d %v", r.status, r.body)
	}
	r = e.call(t, "GET", "/v1/openapi.json", "", "", `If-None-Match: "old"`)
	if r.status != 200 {
		t.Fatalf("If-None-Match with another ETag: %d", r.status)
	}
}

// TestMain fails a full run in which some success answer documented in Contract() never happened.
func TestMain(m *testing.M) {
	os.Exit(openapitest.Main(m, New(nil, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil))).Routes()))
}
