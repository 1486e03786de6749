package wallboard

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
)

// FuzzApply feeds arbitrary data under every event type the fold reads: Apply never panics, a
// rejected event changes nothing, and the state still renders and round-trips.
func FuzzApply(f *testing.F) {
	raw, err := os.ReadFile("testdata/day.json")
	if err != nil {
		f.Fatal(err)
	}
	var evs []events.Envelope
	if err := json.Unmarshal(raw, &evs); err != nil {
		f.Fatal(err)
	}
	for i, e := range evs {
		f.Add(uint8(i), []byte(e.Data), e.Subject)
	}
	f.Add(uint8(0), []byte(`{"agent_id":"","state":"gone"}`), "x")
	f.Add(uint8(1), []byte(`null`), "x")
	types := Types()
	f.Fuzz(func(t *testing.T, typ uint8, data []byte, subject string) {
		s := newDay(t)
		replay(t, s, recordedDay(t)[:20])
		before := js(s.Board(at("09:45:00")))
		e := events.Envelope{ID: "fuzz", Type: types[int(typ)%len(types)], Version: 1, Tenant: "acme", Source: "fuzz",
			Time: at("09:00:00"), Subject: subject, Data: data}
		changed, err := s.Apply(e)
		if err != nil {
			if !errors.Is(err, ErrBadEvent) || changed {
				t.Fatalf("error %v (changed %v), want ErrBadEvent and no change", err, changed)
			}
			if after := js(s.Board(at("09:45:00"))); after != before {
				t.Fatalf("a rejected event changed the board:\n%s\n%s", before, after)
			}
			return
		}
		b, err := Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeState(b)
		if err != nil {
			t.Fatalf("decode what Encode wrote: %v", err)
		}
		if x, y := js(s.Board(at("09:45:00"))), js(back.Board(at("09:45:00"))); x != y {
			t.Fatalf("round trip changed the board:\n%s\n%s", x, y)
		}
	})
}

// FuzzDecodeState feeds arbitrary JSON (compressed as a stored item holds it) to DecodeState: it
// never panics, and what it accepts renders.
func FuzzDecodeState(f *testing.F) {
	s, err := NewState("2026-03-02", time.UTC)
	if err != nil {
		f.Fatal(err)
	}
	good, _ := json.Marshal(s)
	f.Add(good)
	f.Add([]byte(`{"day":"2026-03-02","zone":"UTC","arrivals":[],"contacts":{"a":null}}`))
	f.Add([]byte(`{"day":"2026-02-30","zone":"Local"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(raw)
		zw.Close()
		s, err := DecodeState(buf.Bytes())
		if err != nil {
			if !errors.Is(err, ErrBadItem) {
				t.Fatalf("error %v, want ErrBadItem", err)
			}
			return
		}
		s.Board(at("12:00:00"))
		if _, err := Encode(s); err != nil {
			t.Fatal(err)
		}
	})
}
