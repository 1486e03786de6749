package sip

import (
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/emiago/sipgo/sip"
)

// TestMain quiets sipgo's connection bookkeeping, which logs through slog's default logger
// (SIP_TEST_LOG=1 keeps it).
func TestMain(m *testing.M) {
	if os.Getenv("SIP_TEST_LOG") == "" {
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	// SIP_DEBUG=true prints every SIP message sipgo reads and writes.
	sip.SIPDebug = os.Getenv("SIP_DEBUG") == "true"
	os.Exit(m.Run())
}
