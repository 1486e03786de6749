package sip

import (
	"io"
	"log/slog"
	"os"
	"testing"
)

// TestMain quiets sipgo's connection bookkeeping, which logs through slog's default logger
// (SIP_TEST_LOG=1 keeps it).
func TestMain(m *testing.M) {
	if os.Getenv("SIP_TEST_LOG") == "" {
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	os.Exit(m.Run())
}
