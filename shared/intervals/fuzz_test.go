package intervals

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzParseHistory feeds ParseHistory arbitrary files. It must never panic; what it accepts is
// regular (two or more rows per series, an allowed step, rows adding up), and what it rejects lists
// at most MaxListedProblems problems with row pointers inside the file. Seeds: the tests' files
// and the kept corpus in testdata/fuzz/FuzzParseHistory.
func FuzzParseHistory(f *testing.F) {
	for _, s := range []string{
		HistoryHeader + "\n" + csvOf("2025-06-03T09:00:00+08:00", 4, 30, "billing", "voice"),
		HistoryHeader + "\n" + csvOf("2025-06-03T00:00:00Z", 3, 6, AllQueues, "chat") + "2025-06-03T00:18:00Z,_all,chat,\n",
		HistoryHeader + "\n2025-06-03T09:00:00Z,billing,voice,-1\n2025-06-03T09:00:00Z,billing,voice,1.5\n",
		HistoryHeader + "\n\"2025,billing,voice,1\n",
		"a,b\n1,2\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHistory(strings.NewReader(string(b)), known)
		if err != nil {
			if he, ok := errors.AsType[*HistoryError](err); ok {
				if len(he.Problems) == 0 || len(he.Problems) > MaxListedProblems || he.Total < len(he.Problems) {
					t.Fatalf("problems %d of %d", len(he.Problems), he.Total)
				}
				for _, p := range he.Problems {
					if p.Row < 0 || p.Row > MaxHistoryRows || !strings.HasPrefix(p.Pointer(), "/rows/") {
						t.Fatalf("problem %+v", p)
					}
				}
				return
			}
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("err %v is neither a *HistoryError nor ErrTooLarge", err)
			}
			return
		}
		n := 0
		for _, s := range h.series {
			if len(s.Values) < 2 || !slices.Contains(HistorySteps, int(s.Step/time.Minute)) || s.Step%time.Minute != 0 {
				t.Fatalf("accepted series %s/%s: %d rows at %v", s.Queue, s.Channel, len(s.Values), s.Step)
			}
			n += len(s.Values)
		}
		if n != h.Rows() {
			t.Fatalf("series hold %d rows of %d", n, h.Rows())
		}
	})
}
