package vocreport

import (
	"testing"
	"time"
)

// ParseWeek takes the week of a request path or body: it never panics, and a week it accepts
// round-trips and lasts seven local days.
func FuzzParseWeek(f *testing.F) {
	for _, s := range []string{"2026-W49", "2026-W53", "2025-W53", "2000-W01", "2099-W52", "2026-W00", "", "2026-W4\u0660"} {
		f.Add(s)
	}
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWeek(s, sh)
		if err != nil {
			return
		}
		if WeekOf(w.From, sh).ID != s || len(w.Days()) != 7 || w.From.Weekday() != time.Monday {
			t.Fatalf("%q → %+v", s, w)
		}
	})
}

// Fuzzed text in every field renders: the HTML never carries the text unescaped and the PDF's
// cross-reference table stays exact.
func FuzzRender(f *testing.F) {
	f.Add("APP 登录失败", "王芳", "<script>alert(1)</script>")
	f.Add("(paren) \\ back", "\x00\x01", "😀 emoji")
	f.Fuzz(func(t *testing.T, topic, agent, alert string) {
		in := sampleInputs()
		in.topics[0].Name = topic
		in.qa.Agents[0].Name = agent
		in.alerts[1].Topic = alert
		w, _ := ParseWeek("2026-W49", time.UTC)
		fg := derive(mustTenant(t, "acme"), w, w.To, in)
		if _, err := RenderHTML(fg); err != nil {
			t.Fatal(err)
		}
		checkPDF(t, RenderPDF(fg))
	})
}
