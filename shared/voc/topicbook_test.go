package voc

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The topic book against the emulators: a cluster run over not-understood messages stores named
// topics; a new book (another instance) assigns a related message to its topic and refuses an
// unrelated one; a later run keeps the topic's id.
func TestTopicBook(t *testing.T) {
	f := newFixture(t, at("2026-12-07T10:00:00Z"))
	ctx := context.Background()
	var msgs []Candidate
	add := func(prefix string, texts ...string) {
		for i, s := range texts {
			msgs = append(msgs, Candidate{ID: fmt.Sprintf("%s-%d", prefix, i), Text: s, At: f.clk.now()})
		}
	}
	add("a", "我的快递一直没有到", "快递怎么还没到", "快递三天了还没送到", "查一下我的快递到哪了", "快递显示已签收但我没收到")
	add("b", "how do I reset my password", "forgot my password", "password reset link not working", "cannot reset password", "reset password please")
	book := NewTopicBook(f.db, f.clk.now)
	if err := book.Cluster(ctx, f.t, msgs, f.clk.now()); err != nil {
		t.Fatal(err)
	}
	known, err := book.Known(ctx, f.t)
	if err != nil || len(known) != 2 {
		t.Fatalf("known topics %+v, %v: want 2", known, err)
	}
	other := NewTopicBook(f.db, f.clk.now)
	id, name, ok := other.Assign(ctx, f.t, "我的快递到现在还没到")
	if !ok || !strings.Contains(name, "快递") {
		t.Fatalf("assign: %q %q %v, want the parcel topic", id, name, ok)
	}
	if _, _, ok := other.Assign(ctx, f.t, "what is the weather like on mars"); ok {
		t.Fatal("an unrelated message was assigned")
	}
	if err := book.Cluster(ctx, f.t, msgs, f.clk.now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	again, _ := book.Known(ctx, f.t)
	if len(again) != 2 {
		t.Fatalf("after a second run %d topics, want the same 2", len(again))
	}
	if id2, _, _ := book.Assign(ctx, f.t, "我的快递到现在还没到"); id2 != id {
		t.Fatalf("the parcel topic's id changed: %q then %q", id, id2)
	}
}
