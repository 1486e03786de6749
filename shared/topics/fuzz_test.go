package topics

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

// FuzzCluster feeds arbitrary customer text, one message a line.
func FuzzCluster(f *testing.F) {
	f.Add(strings.Join(enRefund, "\n"))
	f.Add(strings.Join(zhDelivery, "\n") + "\n" + strings.Join(zhHuabei, "\n"))
	f.Add("top-up\ntop-up failed\nTOP-UP FAILED!!\n\xff\xfe\n的的的\n１２３ ＡＢＣ")
	f.Fuzz(func(t *testing.T, data string) {
		lines := strings.Split(data, "\n")
		if len(lines) > 200 {
			lines = lines[:200]
		}
		msgs := make([]Message, len(lines))
		for i, l := range lines {
			msgs[i] = Message{Text: l}
		}
		total := 0
		for _, tp := range Cluster(msgs, Options{MinSize: 2}) {
			total += tp.Size
			if tp.Size < 2 || len(tp.Examples) == 0 {
				t.Fatalf("topic %q: size %d, %d examples", tp.Name, tp.Size, len(tp.Examples))
			}
			var norm float64
			for _, c := range tp.Centroid {
				norm += c.Weight * c.Weight
			}
			if math.Abs(norm-1) > 1e-6 {
				t.Fatalf("topic %q: centroid norm² %v", tp.Name, norm)
			}
		}
		if total > len(msgs) {
			t.Fatalf("%d members of %d messages", total, len(msgs))
		}
	})
}

// FuzzTracker decodes a stored tracker (bytes from a store) and uses it.
func FuzzTracker(f *testing.F) {
	tr := NewTracker(TrackOptions{})
	msgs, _ := messages(enRefund, zhDelivery)
	tr.Update(Cluster(msgs, Options{}), time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	seed, err := json.Marshal(tr)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed, "where is my refund")
	f.Add([]byte(`{"options":{"max_topics":-1},"next":-5,"topics":[{"id":"x","centroid":[{"t":"a","w":1e308,"idf":-1}],"sizes":[{"start":"2026-12-01T09:00:00Z","size":1}]}]}`), "a a a")
	f.Fuzz(func(t *testing.T, data []byte, text string) {
		var tr Tracker
		if json.Unmarshal(data, &tr) != nil {
			return
		}
		tr.Assign(text)
		found := Cluster([]Message{{Text: text}, {Text: text}, {Text: text}}, Options{})
		tr.Update(found, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
		if len(tr.Topics) > tr.Options.withDefaults().MaxTopics && len(found) > 0 {
			t.Fatalf("%d topics over the bound", len(tr.Topics))
		}
		if _, err := json.Marshal(&tr); err != nil {
			t.Fatal(err)
		}
	})
}
