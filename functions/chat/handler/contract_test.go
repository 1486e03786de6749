package handler

import (
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/lingxi/lingxi/shared/openapi/openapitest"
)

// TestMain fails a full run in which some success answer documented in Contract() never happened
// (every request of these tests is also checked against the contract: helpers_test.go).
func TestMain(m *testing.M) {
	os.Exit(openapitest.Main(m, New(nil, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil))).Routes()))
}
