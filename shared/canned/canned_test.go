package canned

import (
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/botconfig"
)

func ptr[T any](v T) *T { return &v }

func TestCheck(t *testing.T) {
	tests := map[string]struct {
		p      Patch
		create bool
		want   []string
	}{
		"create needs title and text": {Patch{}, true, []string{"/title", "/text"}},
		"patch needs nothing":         {Patch{}, false, nil},
		"blank title":                 {Patch{Title: ptr("  "), Text: ptr("x")}, true, []string{"/title"}},
		"long text":                   {Patch{Title: ptr("t"), Text: ptr(strings.Repeat("字", MaxTextLen+1))}, true, []string{"/text"}},
		"text at the limit":           {Patch{Title: ptr("t"), Text: ptr(strings.Repeat("字", MaxTextLen))}, true, nil},
		"bad language":                {Patch{Language: ptr(Language("fr"))}, false, []string{"/language"}},
		"any language":                {Patch{Language: ptr(Language(""))}, false, nil},
		"tags":                        {Patch{Tags: ptr([]string{"Cards", "cards ", "", strings.Repeat("x", MaxTagLen+1)})}, false, []string{"/tags/1", "/tags/2", "/tags/3"}},
		"too many tags":               {Patch{Tags: ptr(make([]string, MaxTags+1))}, false, []string{"/tags"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fe := tc.p.Check(tc.create)
			var got []string
			for _, f := range fe {
				got = append(got, f.Field)
			}
			for _, w := range tc.want {
				if !strings.Contains(strings.Join(got, " ")+" ", w+" ") {
					t.Fatalf("errors %v lack %s", got, w)
				}
			}
			if len(tc.want) == 0 && len(got) > 0 {
				t.Fatalf("errors %v, want none", got)
			}
		})
	}
}

func TestApply(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := Patch{Title: ptr(" Hello "), Text: ptr("Hi!\n"), Language: ptr(botconfig.LangEN)}.Apply(Response{ID: "cr_x"}, t0)
	if r.Title != "Hello" || r.Text != "Hi!" || r.Tags == nil || !r.CreatedAt.Equal(t0) || !r.UpdatedAt.Equal(t0) {
		t.Fatalf("create: %+v", r)
	}
	t1 := t0.Add(time.Hour)
	r = Patch{Tags: ptr([]string{" vip "})}.Apply(r, t1)
	if r.Title != "Hello" || len(r.Tags) != 1 || r.Tags[0] != "vip" || !r.CreatedAt.Equal(t0) || !r.UpdatedAt.Equal(t1) {
		t.Fatalf("patch: %+v", r)
	}
}

func TestIDs(t *testing.T) {
	id, err := NewID()
	if err != nil || !ValidID(id) {
		t.Fatalf("NewID %q %v", id, err)
	}
	for _, bad := range []string{"", "cr_", "usr_AAAAAAAAAAAA", "cr_AAAAAAAAAAA=", "cr_AAAAAAAAAAAAA"} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q)", bad)
		}
	}
}

func TestRank(t *testing.T) {
	rs := []Response{
		{ID: "cr_1", Title: "Card blocked", Text: "I have blocked your card.", Language: botconfig.LangEN, Tags: []string{"cards"}},
		{ID: "cr_2", Title: "挂失", Text: "您的卡已挂失，新卡五天内寄到。", Language: botconfig.LangZH},
		{ID: "cr_3", Title: "Opening hours", Text: "We are open 9:00-17:00.", Tags: []string{"branch"}},
	}
	got := Rank(rs, "my card was stolen, please block it", botconfig.LangEN, 3)
	if len(got) != 1 || got[0].ID != "cr_1" || got[0].Match <= 0 {
		t.Fatalf("rank en: %+v", got)
	}
	if got := Rank(rs, "我的卡丢了，请帮我挂失", botconfig.LangZH, 3); len(got) != 1 || got[0].ID != "cr_2" {
		t.Fatalf("rank zh: %+v", got)
	}
	// A response for any language is offered in every language; one in another is not.
	if got := Rank(rs, "when are you open", botconfig.LangZH, 3); len(got) != 1 || got[0].ID != "cr_3" {
		t.Fatalf("any language: %+v", got)
	}
	if got := Rank(rs, "block card", botconfig.LangZH, 3); len(got) != 0 {
		t.Fatalf("another language: %+v", got)
	}
	if Rank(rs, " ", "", 3) != nil || Rank(rs, "card", "", 0) != nil {
		t.Fatal("an empty query or k ranks something")
	}
}
