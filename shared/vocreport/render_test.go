package vocreport

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/tenant"
)

// sampleInputs is a week of the demo kind: chat and voice contacts, imported transactions on five
// days and business events on one, surveys, sentiment, topics, alerts and QA.
func sampleInputs() inputs {
	at := func(d, h int) time.Time { return time.Date(2026, 11, 30+d, h, 0, 0, 0, time.UTC) }
	resolved := at(1, 11)
	return inputs{
		chat:     []float64{120, 130, 110, 150, 160, 60, 40},
		voice:    []float64{80, 70, 90, 50, 40, 20, 10},
		imported: map[string]int64{"2026-11-30": 200000, "2026-12-01": 210000, "2026-12-02": 190000, "2026-12-03": 220000, "2026-12-04": 250000},
		business: []DayCount{{Date: "2026-12-05", Count: 100000}},
		sat: Satisfaction{
			Overall:  Score{CSATCount: 40, CSATMean: 4.1, CSATPercent: 80, NPSCount: 20, NPS: 25},
			ByQueue:  []Group{{Key: "cards", Name: "信用卡 Cards", Score: Score{CSATCount: 25, CSATMean: 3.9, CSATPercent: 72}}},
			ByIntent: []Group{{Key: "card_lost", Score: Score{CSATCount: 12, CSATMean: 3.2, CSATPercent: 50}}},
		},
		senti: []DayShare{{Date: "2026-11-30", Negative: 20, Total: 200}, {Date: "2026-12-01", Negative: 50, Total: 200}},
		topics: []TopicCount{
			{Key: "topic:t1", Name: "APP 登录失败 <login>", Count: 90, Previous: 30},
			{Key: "intent:card_lost", Name: "card_lost", Count: 120, Previous: 118},
			{Key: "topic:t2", Name: "积分兑换", Count: 12, Previous: 0},
			{Key: "topic:t3", Name: "tiny", Count: 3, Previous: 0},
		},
		alerts: []Alert{
			{Topic: "APP 登录失败 <login>", Kind: "topic", Onset: at(1, 9), ResolvedAt: &resolved},
			{Topic: "queue cards", Kind: "queue", Onset: at(3, 14)},
		},
		qa: QA{Count: 30, Mean: 86.5, Agents: []AgentScore{{ID: "a1", Name: "王芳", Mean: 91, Count: 12}, {ID: "a2", Name: "Li Lei", Mean: 80, Count: 18}}},
	}
}

func sampleFigures(t *testing.T) Figures {
	t.Helper()
	w, err := ParseWeek("2026-W49", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return derive(mustTenant(t, "acme"), w, w.To.Add(time.Hour), sampleInputs())
}

// The contact rate is contacts per 10,000 transactions per day and over the days that have a
// count; an imported count wins over business events, which stand in only where none was
// imported, and the report says which it used.
func TestDeriveRate(t *testing.T) {
	f := sampleFigures(t)
	if f.Contacts != 1130 || f.TxSource != TxMixed || f.Transactions == nil || *f.Transactions != 1170000 {
		t.Fatalf("contacts %d, transactions %v from %s", f.Contacts, f.Transactions, f.TxSource)
	}
	if d := f.Days[0]; d.Contacts != 200 || d.TxSource != TxImport || math.Abs(*d.Rate-10) > 1e-9 {
		t.Fatalf("monday %+v", d)
	}
	if d := f.Days[5]; d.TxSource != TxBusinessEvents || math.Abs(*d.Rate-8) > 1e-9 {
		t.Fatalf("saturday %+v", d)
	}
	if d := f.Days[6]; d.Transactions != nil || d.Rate != nil || d.TxSource != TxNone {
		t.Fatalf("sunday without a count %+v", d)
	}
	// The week's rate leaves out Sunday's 50 contacts, which have no transactions to compare with.
	if want := 1080.0 / 1170000 * 10000; math.Abs(*f.Rate-want) > 1e-9 {
		t.Fatalf("week rate %v, want %v", *f.Rate, want)
	}
	if math.Abs(*f.NegativeShare-17.5) > 1e-9 || math.Abs(*f.Days[1].NegativeShare-25) > 1e-9 || f.Days[2].NegativeShare != nil {
		t.Fatalf("negative share %v, tuesday %v", *f.NegativeShare, f.Days[1].NegativeShare)
	}
	if f.TopTopics[0].Key != "intent:card_lost" || len(f.RisingTopics) != 2 || f.RisingTopics[0].Key != "topic:t2" ||
		f.RisingTopics[0].ChangePct != nil || *f.RisingTopics[1].ChangePct != 200 {
		t.Fatalf("top %v rising %v", f.TopTopics, f.RisingTopics)
	}
	if len(f.Alerts) != 2 || *f.Alerts[0].ResolutionMinutes != 120 || f.Alerts[1].ResolutionMinutes != nil || *f.MedianResolutionMinutes != 120 {
		t.Fatalf("alerts %+v median %v", f.Alerts, f.MedianResolutionMinutes)
	}
	if f.QA.Agents[0].ID != "a1" {
		t.Fatalf("agents not best first: %v", f.QA.Agents)
	}
}

// The HTML is self-contained (no script, no external reference), has its charts inline, and
// escapes the tenant's text.
func TestRenderHTML(t *testing.T) {
	body, err := RenderHTML(sampleFigures(t))
	if err != nil {
		t.Fatal(err)
	}
	s := string(body)
	for _, want := range []string{"<svg", "万求率", "Contacts per 10,000 transactions", "APP 登录失败 &lt;login&gt;", "1130", "王芳", "<rect", "<circle"} {
		if !strings.Contains(s, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, bad := range []string{"<login>", "<script", "src=", "href=", "@import", "url("} {
		if strings.Contains(s, bad) {
			t.Errorf("HTML holds %q", bad)
		}
	}
}

// An empty week renders too: every figure "–", notes instead of empty tables.
func TestRenderEmptyWeek(t *testing.T) {
	w, _ := ParseWeek("2026-W49", time.UTC)
	in := inputs{chat: make([]float64, 7), voice: make([]float64, 7)}
	f := derive(mustTenant(t, "acme"), w, w.From.Add(time.Hour), in)
	if !f.Partial || f.Rate != nil || f.TxSource != TxNone {
		t.Fatalf("%+v", f)
	}
	body, err := RenderHTML(f)
	if err != nil || !bytes.Contains(body, []byte("No alerts this week")) || !bytes.Contains(body, []byte("partial week")) {
		t.Fatalf("%v %s", err, body)
	}
	checkPDF(t, RenderPDF(f))
}

// The PDF is structurally sound: every xref offset points at its object, stream lengths are
// exact, the trailer's startxref points at the table; its fonts are Helvetica and the predefined
// STSong-Light with UniGB-UCS2-H (nothing embedded); Chinese text is UCS-2 in hex.
func TestRenderPDF(t *testing.T) {
	pdf := RenderPDF(sampleFigures(t))
	n := checkPDF(t, pdf)
	if n < 8 {
		t.Fatalf("%d objects", n)
	}
	for _, want := range []string{"/BaseFont /STSong-Light /Encoding /UniGB-UCS2-H", "/Registry (Adobe) /Ordering (GB1)", "/BaseFont /Helvetica",
		"<8054 7EDC 91CF>", "( Contacts per day)", " re f", " l S"} {
		if !bytes.Contains(pdf, []byte(strings.ReplaceAll(want, "8054 7EDC 91CF", "80547EDC91CF"))) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	if bytes.Contains(pdf, []byte("FontFile")) {
		t.Error("a font is embedded")
	}
}

var objRE = regexp.MustCompile(`^(\d+) 0 obj\n`)

// checkPDF parses pdf's cross-reference table and checks every entry and stream; it returns the
// number of objects.
func checkPDF(t *testing.T, pdf []byte) int {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatal("no PDF header or EOF marker")
	}
	i := bytes.LastIndex(pdf, []byte("startxref\n"))
	if i < 0 {
		t.Fatal("no startxref")
	}
	var xref int
	if _, err := fmt.Sscanf(string(pdf[i:]), "startxref\n%d\n", &xref); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d does not point at the xref table", xref)
	}
	lines := strings.Split(string(pdf[xref:]), "\n")
	size, _ := strconv.Atoi(strings.TrimPrefix(lines[1], "0 "))
	if lines[2] != "0000000000 65535 f " {
		t.Fatalf("free entry %q", lines[2])
	}
	for n := 1; n < size; n++ {
		e := lines[2+n]
		if len(e) != 19 || !strings.HasSuffix(e, " 00000 n ") {
			t.Fatalf("xref entry %d %q is not 20 bytes", n, e)
		}
		off, _ := strconv.Atoi(e[:10])
		m := objRE.FindSubmatch(pdf[off:])
		if m == nil || string(m[1]) != strconv.Itoa(n) {
			t.Fatalf("xref entry %d points at %q", n, pdf[off:min(off+20, len(pdf))])
		}
		obj := pdf[off:]
		obj = obj[:bytes.Index(obj, []byte("endobj"))]
		if j := bytes.Index(obj, []byte("stream\n")); j >= 0 {
			var length int
			k := bytes.Index(obj, []byte("/Length "))
			fmt.Sscanf(string(obj[k:]), "/Length %d", &length)
			data := obj[j+len("stream\n"):]
			if end := bytes.Index(data, []byte("\nendstream")); end != length {
				t.Fatalf("object %d: /Length %d, stream has %d bytes", n, length, end)
			}
		}
	}
	if !strings.Contains(string(pdf[xref:]), fmt.Sprintf("/Size %d /Root 1 0 R", size)) {
		t.Fatal("trailer does not match the table")
	}
	return size - 1
}

func mustTenant(t *testing.T, s string) tenant.ID {
	t.Helper()
	id, err := tenant.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Notes wrap at spaces, and anywhere in a run without spaces; no line is wider than asked and no
// character is lost.
func TestWrap(t *testing.T) {
	tests := map[string]string{
		"latin":   "Transactions from: imported. The rate is contacts divided by transactions times ten thousand.",
		"chinese": strings.Repeat("万求率等于联络量除以交易量", 6),
		"mixed":   "交易量来源 Transactions from: 导入与业务事件 imported and business events. 万求率 = 联络量 ÷ 交易量 × 10,000",
		"one":     "short",
		"empty":   "",
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			lines := wrap(s, 120, 8)
			for _, l := range lines {
				if textWidth(l, 8) > 120 {
					t.Fatalf("line %q is %.1f wide", l, textWidth(l, 8))
				}
			}
			if got := strings.ReplaceAll(strings.Join(lines, ""), " ", ""); got != strings.ReplaceAll(s, " ", "") {
				t.Fatalf("lost text: %q", got)
			}
		})
	}
}
