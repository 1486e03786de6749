package topics

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	day1 = time.Date(2026, 12, 1, 9, 15, 0, 0, time.UTC)
	day2 = time.Date(2026, 12, 2, 9, 15, 0, 0, time.UTC)
)

// halves splits texts into the even and odd ones: two runs that see the same
// topic in different words.
func halves(texts []string) (even, odd []string) {
	for i, t := range texts {
		if i%2 == 0 {
			even = append(even, t)
		} else {
			odd = append(odd, t)
		}
	}
	return even, odd
}

func mustCluster(t *testing.T, want int, groups ...[]string) []Topic {
	t.Helper()
	msgs, _ := messages(groups...)
	ts := Cluster(msgs, Options{})
	if len(ts) != want {
		for _, tp := range ts {
			t.Logf("topic %q size %d", tp.Name, tp.Size)
		}
		t.Fatalf("%d topics, want %d", len(ts), want)
	}
	return ts
}

func idOf(t *testing.T, ts []Topic, phrase string) string {
	t.Helper()
	for _, tp := range ts {
		if slices.ContainsFunc(tp.Phrases, func(p string) bool { return strings.Contains(p, phrase) }) {
			return tp.ID
		}
	}
	t.Fatalf("no topic has the phrase %q among %d", phrase, len(ts))
	return ""
}

func TestTrackerKeepsIDsAndAddsNewTopics(t *testing.T) {
	refundA, refundB := halves(enRefund)
	deliveryA, deliveryB := halves(zhDelivery)
	tr := NewTracker(TrackOptions{Period: time.Hour})

	run1 := tr.Update(mustCluster(t, 2, refundA, deliveryA), day1)
	refundID, deliveryID := idOf(t, run1, "refund"), idOf(t, run1, "快递")
	if refundID == deliveryID || refundID == "" || deliveryID == "" {
		t.Fatalf("ids %q and %q", refundID, deliveryID)
	}

	// Day 2: the same two topics in other words, and a new one.
	run2 := tr.Update(mustCluster(t, 3, refundB, deliveryB, enPassword), day2)
	if got := idOf(t, run2, "refund"); got != refundID {
		t.Errorf("refund topic: id %q on day 2, %q on day 1", got, refundID)
	}
	if got := idOf(t, run2, "快递"); got != deliveryID {
		t.Errorf("delivery topic: id %q on day 2, %q on day 1", got, deliveryID)
	}
	passwordID := idOf(t, run2, "password")
	if passwordID == refundID || passwordID == deliveryID {
		t.Errorf("new topic took a known id %q", passwordID)
	}
	if passwordID != "t-3" {
		t.Errorf("third topic's id %q, want t-3", passwordID)
	}

	known := tr.List()
	if len(known) != 3 {
		t.Fatalf("%d known topics, want 3", len(known))
	}
	for _, k := range known {
		switch k.ID {
		case refundID, deliveryID:
			if !k.FirstSeen.Equal(day1) || !k.LastSeen.Equal(day2) || len(k.Sizes) != 2 {
				t.Errorf("%s: first %v last %v sizes %v", k.ID, k.FirstSeen, k.LastSeen, k.Sizes)
			}
			if !k.Sizes[0].Start.Equal(day1.Truncate(time.Hour)) || k.Sizes[1].Size != 4 {
				t.Errorf("%s: sizes %v, want day 1's hour then 4", k.ID, k.Sizes)
			}
		case passwordID:
			if !k.FirstSeen.Equal(day2) || len(k.Sizes) != 1 || k.Sizes[0].Size != len(enPassword) {
				t.Errorf("%s: first %v sizes %v", k.ID, k.FirstSeen, k.Sizes)
			}
		}
	}
	if known[0].ID != passwordID && known[0].LastSeen.Before(day2) {
		t.Errorf("List starts with %s last seen %v", known[0].ID, known[0].LastSeen)
	}
}

// Two runs in the same period add up in one entry.
func TestTrackerSizesPerPeriod(t *testing.T) {
	tr := NewTracker(TrackOptions{Period: 24 * time.Hour})
	a, b := halves(enRefund)
	tr.Update(mustCluster(t, 1, a), day1)
	tr.Update(mustCluster(t, 1, b), day1.Add(3*time.Hour))
	k := tr.List()
	if len(k) != 1 || len(k[0].Sizes) != 1 || k[0].Sizes[0].Size != 8 {
		t.Fatalf("known %+v, want one topic with one day of 8", k)
	}
}

func TestTrackerAssign(t *testing.T) {
	tr := NewTracker(TrackOptions{})
	ts := tr.Update(mustCluster(t, 4, enRefund, enPassword, zhHuabei, zhDelivery), day1)
	cases := []struct {
		text, phrase string // phrase "" means: no topic
	}{
		{"my refund still hasn't come back after the return", "refund"},
		{"the password reset email does not arrive", "password"},
		{"花呗还款一直失败", "花呗"},
		{"快递到现在还没送到", "快递"},
		{"what time does the museum open on sunday", ""},
		{"can you recommend a good pizza place", ""},
		{"今天天气怎么样", ""},
		{"", ""},
	}
	for _, c := range cases {
		id, name, ok := tr.Assign(c.text)
		if c.phrase == "" {
			if ok {
				t.Errorf("Assign(%q) = %s %q, want no topic", c.text, id, name)
			}
			continue
		}
		want := idOf(t, ts, c.phrase)
		if !ok || id != want {
			t.Errorf("Assign(%q) = %q %q %v, want %s", c.text, id, name, ok, want)
		}
	}
}

func TestTrackerJSONRoundTrip(t *testing.T) {
	tr := NewTracker(TrackOptions{AssignFloor: 0.25})
	tr.Update(mustCluster(t, 2, enRefund, zhDelivery), day1)
	data, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	var back Tracker
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Next != 3 || back.Options.AssignFloor != 0.25 || len(back.Topics) != 2 {
		t.Fatalf("decoded next %d options %+v topics %d", back.Next, back.Options, len(back.Topics))
	}
	for _, text := range []string{"refund not received for my return", "快递还没到", "hello there"} {
		id1, _, ok1 := tr.Assign(text)
		id2, _, ok2 := back.Assign(text)
		if id1 != id2 || ok1 != ok2 {
			t.Errorf("Assign(%q): %q %v before, %q %v after the round trip", text, id1, ok1, id2, ok2)
		}
	}
	// The decoded tracker carries on numbering.
	ts := back.Update(mustCluster(t, 1, enPassword), day2)
	if ts[0].ID != "t-3" {
		t.Errorf("new topic after decoding: %q, want t-3", ts[0].ID)
	}
}

func TestTrackerBounded(t *testing.T) {
	tr := NewTracker(TrackOptions{MaxTopics: 2, MaxPeriods: 3, CentroidTerms: 10, Period: time.Hour})
	groups := [][]string{enRefund, enPassword, zhHuabei}
	var ids []string
	for g, texts := range groups {
		ts := tr.Update(mustCluster(t, 1, texts), day1.Add(time.Duration(g)*time.Hour))
		ids = append(ids, ts[0].ID)
	}
	known := tr.List()
	if len(known) != 2 {
		t.Fatalf("%d known topics, want 2", len(known))
	}
	for _, k := range known {
		if k.ID == ids[0] {
			t.Errorf("the least recently seen topic %s was kept", k.ID)
		}
		if len(k.Centroid) > 10 {
			t.Errorf("%s: centroid of %d terms", k.ID, len(k.Centroid))
		}
	}
	for h := range 5 {
		tr.Update(mustCluster(t, 1, zhHuabei), day2.Add(time.Duration(h)*time.Hour))
	}
	for _, k := range tr.List() {
		if k.ID == ids[2] {
			if len(k.Sizes) != 3 || !k.Sizes[2].Start.Equal(day2.Add(4*time.Hour).Truncate(time.Hour)) {
				t.Errorf("sizes %v, want the last 3 hours", k.Sizes)
			}
		}
	}
	if ts := tr.Update(mustCluster(t, 1, zhDelivery), day2); ts[0].ID != fmt.Sprintf("t-%d", 4) {
		t.Errorf("ids are reused: %q", ts[0].ID)
	}
}

func TestTrackerZeroValue(t *testing.T) {
	var tr Tracker
	if _, _, ok := tr.Assign("refund"); ok {
		t.Fatal("empty tracker assigned a topic")
	}
	ts := tr.Update(mustCluster(t, 1, enRefund), day1)
	if ts[0].ID != "t-1" {
		t.Fatalf("first id %q", ts[0].ID)
	}
}

// A tracker fed many runs of new topics stays within its bounds, and so
// does its JSON.
func TestTrackerJSONBounded(t *testing.T) {
	tr := NewTracker(TrackOptions{})
	at := day1
	for run := range 300 {
		// Each run a new topic: words of its own, and long messages for
		// long examples.
		var texts []string
		for i := range 6 {
			texts = append(texts, fmt.Sprintf("alpha%d beta%d gamma%d delta%d %s", run, run, run, i, strings.Repeat("x", 300)))
		}
		tr.Update(mustCluster(t, 1, texts), at)
		at = at.Add(24 * time.Hour)
	}
	opt := DefaultTrackOptions()
	if len(tr.Topics) > opt.MaxTopics {
		t.Fatalf("%d topics", len(tr.Topics))
	}
	for _, k := range tr.Topics {
		if len(k.Sizes) > opt.MaxPeriods || len(k.Centroid) > opt.CentroidTerms || len(k.Examples) > DefaultOptions().Examples {
			t.Fatalf("%s: %d sizes, %d terms, %d examples", k.ID, len(k.Sizes), len(k.Centroid), len(k.Examples))
		}
	}
	data, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d topics: %d bytes of JSON", len(tr.Topics), len(data))
	// Here a topic has one period and a dozen terms; one with 48 terms and
	// 60 periods is about 6 KB, so 200 take about 1.2 MB.
	if perTopic := len(data) / len(tr.Topics); perTopic > 6000 {
		t.Errorf("%d bytes per topic", perTopic)
	}
}

// Assign and List run while Update does (go test -race finds a data race).
func TestTrackerConcurrentUse(t *testing.T) {
	tr := NewTracker(TrackOptions{})
	found := mustCluster(t, 2, enRefund, zhDelivery)
	tr.Update(found, day1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 50 {
			tr.Update(found, day2)
		}
	}()
	for range 50 {
		if _, _, ok := tr.Assign("where is my refund for the return"); !ok {
			t.Error("refund message not assigned")
		}
		tr.List()
	}
	<-done
}
