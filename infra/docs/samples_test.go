package docs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/dialog"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/tenant"
)

const root = "../.."

var docsDir = filepath.Join(root, "docs")

// runnable are the info strings of code samples, each run by a test of this file.
var runnable = []string{
	"json flow", "json import", "csv import",
	"json webhook-payload", "json business-event", "json problem",
	"sh curl", "sh verify", "sh go-test", "go example",
	"http flow-webhook-headers",
	"sh make", "log emulators", "yaml template", "output go-bench",
	"http ratelimit-headers", "http ratelimit-refusal", "json tenant",
	"http webhook-request",
	"csv forecast-history", "csv forecast-history-rejected", "json forecast-event",
	"json forecast-event-history", "json forecast-settings",
}

func allBlocks(t *testing.T) []Block {
	t.Helper()
	bs, err := Blocks(docsDir)
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

func blocksOf(t *testing.T, info string) []Block {
	t.Helper()
	var out []Block
	for _, b := range allBlocks(t) {
		if b.Info == info {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		t.Fatalf("docs/ has no %q sample", info)
	}
	return out
}

// Every fenced block is a sample some test runs: its info string is one of runnable, each of
// which a test of this package checks. A block without one (or "text") is refused, so no page
// shows code, output or configuration that nothing checks: what is not code is prose or a table.
func TestEveryCodeSampleIsRun(t *testing.T) {
	seen := map[string]int{}
	for _, b := range allBlocks(t) {
		seen[b.Info]++
	}
	for _, b := range unchecked(allBlocks(t)) {
		t.Errorf("%s: info string %q: a fenced block must be a checked sample, one of %s (docs/README.md); write what is not code as prose or a table",
			b.Where(), b.Info, strings.Join(runnable, ", "))
	}
	for _, r := range runnable {
		if seen[r] == 0 {
			t.Errorf("no %q sample in docs/", r)
		}
	}
}

// The rule above, on a page with an untagged block, a text block and an unknown tag.
func TestUncheckedBlocksAreRefused(t *testing.T) {
	page := "# p\n\n```\nls\n```\n\n```text\nout\n```\n\n```json whatever\n{}\n```\n\n```sh curl\ncurl -sS x\n```\n"
	bs, err := parse("p.md", []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	var refused []string
	for _, b := range unchecked(bs) {
		refused = append(refused, b.Info)
	}
	if strings.Join(refused, "|") != "|text|json whatever" {
		t.Fatalf("refused %q", refused)
	}
}

// unchecked returns the blocks whose info string no test of this package checks.
func unchecked(bs []Block) []Block {
	var out []Block
	for _, b := range bs {
		if !slices.Contains(runnable, b.Info) {
			out = append(out, b)
		}
	}
	return out
}

// ---- flows ----------------------------------------------------------------------------------

// rewriteDoer sends webhook requests to a loopback test server instead of the host they name, over
// real HTTP: the flow keeps its public https URL, as a tenant writes it.
type rewriteDoer struct {
	target *url.URL
	client *http.Client
}

func (d rewriteDoer) Do(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = d.target.Scheme, d.target.Host
	r.Host = d.target.Host
	return d.client.Do(r)
}

// bank is the tenant's system the sample's webhook calls: it verifies the signature as docs/flows.md
// tells receivers to, and records what it received.
type bank struct {
	secret []byte
	now    time.Time // the engine's clock, which signs
	mu     sync.Mutex
	got    []dialog.WebhookPayload
	header http.Header // the last request's
}

func (b *bank) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	err := dialog.VerifySignature(b.secret, r.Header.Get(dialog.HeaderTimestamp), body,
		r.Header.Get(dialog.HeaderSignature), b.now, 5*time.Minute)
	// The headers docs/flows.md lists.
	if err != nil || r.Header.Get(dialog.HeaderIdempotencyKey) == "" || r.Header.Get("X-Lingxi-Attempt") != "1" ||
		r.Header.Get("User-Agent") != "Lingxi-Webhook/1" || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p dialog.WebhookPayload
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	b.got = append(b.got, p)
	b.header = r.Header.Clone()
	b.mu.Unlock()
	eligible := p.Slots["card_last4"] != "0000"
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"eligible": %t, "fee": 25, "customer": {"first_name": "Li"}}`, eligible)
}

func (b *bank) last(t *testing.T) dialog.WebhookPayload {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.got) == 0 {
		t.Fatal("the webhook was never called")
	}
	return b.got[len(b.got)-1]
}

func sampleFlows(t *testing.T) map[string]*dialog.Flow {
	t.Helper()
	flows := map[string]*dialog.Flow{}
	for _, b := range blocksOf(t, "json flow") {
		f, err := dialog.ParseFlow([]byte(b.Body))
		if err != nil {
			t.Fatalf("%s: %v", b.Where(), err)
		}
		flows[f.ID] = f
	}
	return flows
}

type convo struct {
	t   *testing.T
	e   *dialog.Engine
	f   *dialog.Flow
	st  dialog.State
	out []dialog.Output
}

func (c *convo) turn(in dialog.Input) {
	c.t.Helper()
	var err error
	c.st, c.out, err = c.e.Turn(context.Background(), c.f, c.st, in)
	if err != nil {
		c.t.Fatalf("turn %+v: %v", in, err)
	}
}

func (c *convo) said() string {
	var b strings.Builder
	for _, o := range c.out {
		b.WriteString(o.Text + o.Prompt + "\n")
	}
	return b.String()
}

func (c *convo) waitsAt(step string) {
	c.t.Helper()
	if c.st.Done || c.st.Step != step {
		c.t.Fatalf("want the flow waiting at %s, it is at %s (done %v); said %q", step, c.st.Step, c.st.Done, c.said())
	}
}

// The complete example of docs/flows.md, loaded by dialog.ParseFlow and run through the engine in
// both languages: prefilled slots, the signed webhook and its result, a branch, a date, a confirm
// answered no then yes, an answer that never fits (on_fail) and an ineligible card (handoff).
func TestFlowSample(t *testing.T) {
	f := sampleFlows(t)["replace_card"]
	if f == nil {
		t.Fatal(`docs/flows.md has no flow "replace_card"`)
	}
	kinds := map[dialog.StepKind]bool{}
	for _, s := range f.Steps {
		kinds[s.Kind] = true
	}
	for _, k := range []dialog.StepKind{dialog.KindSay, dialog.KindAsk, dialog.KindConfirm, dialog.KindBranch, dialog.KindWebhook, dialog.KindEnd} {
		if !kinds[k] {
			t.Errorf("the complete example has no %s step", k)
		}
	}
	// Wednesday 2 December 2026, 10:00 in Beijing.
	loc := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, loc)
	bk := &bank{secret: []byte("whsec-docs-test"), now: now}
	srv := httptest.NewServer(bk)
	defer srv.Close()
	target, _ := url.Parse(srv.URL)
	e := dialog.NewEngine(dialog.Config{
		HTTP: rewriteDoer{target: target, client: srv.Client()}, WebhookSecret: bk.secret,
		Location: loc, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	start := func(t *testing.T, id, text string) *convo {
		t.Helper()
		st, out, err := e.Start(context.Background(), f, dialog.StartInput{
			ConversationID: id, CustomerID: "cust-42", Text: text,
			Slots: map[string]string{"caller_phone": "+8613812345678"},
		})
		if err != nil {
			t.Fatalf("start: %v", err)
		}
		return &convo{t: t, e: e, f: f, st: st, out: out}
	}

	t.Run("en", func(t *testing.T) {
		c := start(t, "c-en", "I lost my debit card ending 1234")
		c.waitsAt("ask_date")
		if c.out[0].Type != dialog.OutputSay || !strings.Contains(c.out[0].Text, "replacement card") {
			t.Errorf("want the intro first, got %+v", c.out[0])
		}
		if !strings.Contains(c.said(), "Thanks Li.") {
			t.Errorf("the webhook's holder is not in the prompt: %q", c.said())
		}
		p := bk.last(t)
		want := map[string]string{"card_type": "debit", "card_last4": "1234", "caller_phone": "+8613812345678"}
		if p.FlowID != "replace_card" || p.Step != "check" || p.Lang != dialog.LangEn || p.CustomerID != "cust-42" || !mapsEqual(p.Slots, want) {
			t.Errorf("webhook payload %+v, want slots %v", p, want)
		}
		// The headers flows.md shows are the ones the engine sends.
		for _, b := range blocksOf(t, "http flow-webhook-headers") {
			bk.mu.Lock()
			h := bk.header
			bk.mu.Unlock()
			checkHeaders(t, b, parseHTTPSample(t, b), h, "Content-Length", "Accept-Encoding")
		}
		c.turn(dialog.Input{Text: "next Friday"})
		c.waitsAt("confirm")
		if !strings.Contains(c.said(), "11 December 2026") || !strings.Contains(c.said(), "fee 25 CNY") {
			t.Errorf("confirm prompt %q", c.said())
		}
		c.turn(dialog.Input{Text: "yes please"})
		if !c.st.Done || c.st.Outcome != dialog.OutcomeResolved || !strings.Contains(c.said(), "ending 1234") {
			t.Errorf("want resolved, got %+v said %q", c.st, c.said())
		}
	})

	t.Run("zh", func(t *testing.T) {
		c := start(t, "c-zh", "我的信用卡丢了")
		c.waitsAt("ask_card")
		if c.st.Slots["card_type"] != "credit" || c.st.Lang != dialog.LangZh || !strings.Contains(c.said(), "后四位") {
			t.Fatalf("state %+v said %q", c.st, c.said())
		}
		c.turn(dialog.Input{DTMF: "5678#"})
		c.waitsAt("ask_date")
		if p := bk.last(t); p.Slots["card_last4"] != "5678" || p.Lang != dialog.LangZh {
			t.Errorf("webhook payload %+v", p)
		}
		c.turn(dialog.Input{Text: "后天"})
		c.waitsAt("confirm")
		if !strings.Contains(c.said(), "2026年12月4日") {
			t.Errorf("confirm prompt %q", c.said())
		}
		c.turn(dialog.Input{Text: "不是"})
		c.waitsAt("ask_date")
		c.turn(dialog.Input{Text: "下周一"})
		c.waitsAt("confirm")
		c.turn(dialog.Input{Text: "确认"})
		if !c.st.Done || c.st.Outcome != dialog.OutcomeResolved || c.st.Slots["delivery_date"] != "2026-12-07" || !strings.Contains(c.said(), "尾号5678") {
			t.Errorf("want resolved on 2026-12-07, got %+v said %q", c.st, c.said())
		}
	})

	t.Run("on_fail", func(t *testing.T) {
		c := start(t, "c-fail", "I need a new card")
		c.waitsAt("ask_type")
		c.turn(dialog.Input{Text: "banana"})
		c.waitsAt("ask_type")
		c.turn(dialog.Input{Text: "purple"})
		c.waitsAt("ask_type")
		c.turn(dialog.Input{Text: "no idea"})
		if !c.st.Done || c.st.Outcome != dialog.OutcomeHandoff || c.st.Queue != "cards" {
			t.Errorf("three answers that do not fit: want a handoff to cards, got %+v", c.st)
		}
	})

	t.Run("not eligible", func(t *testing.T) {
		c := start(t, "c-no", "my credit card ending 0000 was stolen")
		if !c.st.Done || c.st.Outcome != dialog.OutcomeHandoff {
			t.Fatalf("an ineligible card: want a handoff, got %+v", c.st)
		}
		transfer := slices.IndexFunc(c.out, func(o dialog.Output) bool { return o.Type == dialog.OutputTransfer })
		if transfer < 0 || c.out[transfer].Queue != "cards" || c.out[transfer].Reason != "card replacement" {
			t.Errorf("outputs %+v", c.out)
		}
	})
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// ---- JSON samples ---------------------------------------------------------------------------

func strict(t *testing.T, b Block, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(b.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", b.Where(), err)
	}
	if dec.More() {
		t.Fatalf("%s: more than one JSON value", b.Where())
	}
}

func TestJSONSamples(t *testing.T) {
	flows := sampleFlows(t)
	for _, b := range blocksOf(t, "json webhook-payload") {
		var p dialog.WebhookPayload
		strict(t, b, &p)
		f := flows[p.FlowID]
		if f == nil {
			t.Errorf("%s: flow %q is not a sample flow", b.Where(), p.FlowID)
			continue
		}
		s, ok := f.Step(p.Step)
		if !ok || s.Kind != dialog.KindWebhook || !p.Lang.Valid() || p.ConversationID == "" {
			t.Errorf("%s: step %q of %s is not a webhook step, or lang/conversation missing", b.Where(), p.Step, p.FlowID)
			continue
		}
		for name := range p.Slots {
			if !slices.Contains(s.Slots, name) {
				t.Errorf("%s: slot %q is not one the step sends", b.Where(), name)
			}
		}
	}
	acme, err := tenant.Parse("acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocksOf(t, "json business-event") {
		var ev lxevents.BusinessEvent
		strict(t, b, &ev)
		env, err := lxevents.New(acme, lxevents.TypeBusinessEvent, ev.CustomerID, conversation.Source, ev)
		if err == nil {
			err = lxevents.Validate(env)
		}
		if err != nil {
			t.Errorf("%s: %v", b.Where(), err)
		}
	}
	kinds := codeKinds(t)
	for _, b := range blocksOf(t, "json problem") {
		var p httpapi.Problem
		strict(t, b, &p)
		slug, ok := strings.CutPrefix(p.Type, "urn:lingxi:problem:")
		k, known := kinds[slug]
		switch {
		case !ok || !known:
			t.Errorf("%s: problem type %q is not defined in the code", b.Where(), p.Type)
		case k.status != p.Status || k.title != p.Title:
			t.Errorf("%s: %s is %d %q in the code, the sample says %d %q", b.Where(), slug, k.status, k.title, p.Status, p.Title)
		}
	}
}

// ---- problem types --------------------------------------------------------------------------

type kind struct {
	title  string
	status int
	where  string
}

var (
	reKindAny   = regexp.MustCompile(`\bKind\{`)
	reKindPos   = regexp.MustCompile(`\bKind\{"([a-z0-9-]+)",\s*"([^"]*)",\s*http\.Status(\w+)\}`)
	reKindNamed = regexp.MustCompile(`\bKind\{Slug:\s*"([a-z0-9-]+)",\s*Title:\s*"([^"]*)",\s*Status:\s*http\.Status(\w+)\}`)
)

// statusByName maps net/http's constant names (without "Status") to codes.
func statusByName() map[string]int {
	m := map[string]int{}
	for code := 100; code < 600; code++ {
		if text := http.StatusText(code); text != "" {
			m[strings.NewReplacer(" ", "", "-", "", "'", "").Replace(text)] = code
		}
	}
	m["RequestEntityTooLarge"] = http.StatusRequestEntityTooLarge
	return m
}

// codeKinds reads every problem kind the Go code defines (httpapi.Kind literals outside tests).
func codeKinds(t *testing.T) map[string]kind {
	t.Helper()
	statuses := statusByName()
	out := map[string]kind{}
	for _, dir := range []string{"shared", "functions", "infra"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			found := 0
			for _, re := range []*regexp.Regexp{reKindPos, reKindNamed} {
				for _, m := range re.FindAllStringSubmatch(string(src), -1) {
					code, ok := statuses[m[3]]
					if !ok {
						t.Errorf("%s: unknown status http.Status%s", path, m[3])
					}
					out[m[1]] = kind{title: m[2], status: code, where: path}
					found++
				}
			}
			if n := len(reKindAny.FindAllIndex(src, -1)); n != found {
				t.Errorf("%s: %d Kind literals, %d read: write them as Kind{\"slug\", \"Title\", http.StatusX} or with Slug:, Title:, Status:", path, n, found)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(out) < 10 {
		t.Fatalf("found only %d problem kinds in the code: %v", len(out), out)
	}
	return out
}

var reErrorRow = regexp.MustCompile("(?m)^\\| `urn:lingxi:problem:([a-z0-9-]+)` \\| (\\d{3}) \\|")

// Every problem type the code defines is in docs/errors.md with its status, and the page names
// none the code does not define.
func TestEveryProblemTypeDocumented(t *testing.T) {
	kinds := codeKinds(t)
	page, err := os.ReadFile(filepath.Join(docsDir, "errors.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]string{}
	for _, m := range reErrorRow.FindAllStringSubmatch(string(page), -1) {
		documented[m[1]] = m[2]
	}
	for slug, k := range kinds {
		st, ok := documented[slug]
		switch {
		case !ok:
			t.Errorf("problem type urn:lingxi:problem:%s (%s, %d) is not in docs/errors.md", slug, k.where, k.status)
		case st != fmt.Sprint(k.status):
			t.Errorf("docs/errors.md gives urn:lingxi:problem:%s status %s; the code %d", slug, st, k.status)
		}
	}
	for slug := range documented {
		if _, ok := kinds[slug]; !ok {
			t.Errorf("docs/errors.md lists urn:lingxi:problem:%s, which the code does not define", slug)
		}
	}
}
