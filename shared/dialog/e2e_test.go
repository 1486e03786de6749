package dialog_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/dialog"
)

// loadLostCard parses the demo flow with its webhooks pointed at base, after
// edits to its JSON.
func loadLostCard(t testing.TB, base string, edits ...func(doc map[string]any)) *dialog.Flow {
	t.Helper()
	data, err := os.ReadFile("testdata/lost_card.json")
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.ReplaceAll(string(data), "https://bank.example.com", base))
	if len(edits) > 0 {
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		for _, edit := range edits {
			edit(doc)
		}
		if data, err = json.Marshal(doc); err != nil {
			t.Fatal(err)
		}
	}
	f, err := dialog.ParseFlow(data)
	if err != nil {
		t.Fatalf("ParseFlow: %v", err)
	}
	return f
}

// setStep changes a field of the step with the given id.
func setStep(id, field string, value any) func(map[string]any) {
	return func(doc map[string]any) {
		for _, s := range doc["steps"].([]any) {
			if s := s.(map[string]any); s["id"] == id {
				s[field] = value
			}
		}
	}
}

type bankCall struct {
	payload dialog.WebhookPayload
	key     string
	attempt string
}

// bank is the tenant's system: it verifies every signature with
// VerifySignature, like a tenant would, and records the calls.
type bank struct {
	t      *testing.T
	secret []byte
	// verifyFails makes the first verify calls answer with this status
	// (0: none); hang makes every verify call wait for the client to give
	// up.
	verifyStatus int
	verifyFails  int
	hang         bool

	mu    sync.Mutex
	calls map[string][]bankCall
}

func (b *bank) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	err = dialog.VerifySignature(b.secret, r.Header.Get(dialog.HeaderTimestamp), body,
		r.Header.Get(dialog.HeaderSignature), testNow, 5*time.Minute)
	if err != nil {
		b.t.Errorf("bank: %s: %v", r.URL.Path, err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		b.t.Errorf("bank: %s %s with Content-Type %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	var p dialog.WebhookPayload
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		b.t.Errorf("bank: payload %s: %v", body, err)
	}
	b.mu.Lock()
	if b.calls == nil {
		b.calls = map[string][]bankCall{}
	}
	b.calls[r.URL.Path] = append(b.calls[r.URL.Path], bankCall{p, r.Header.Get(dialog.HeaderIdempotencyKey), r.Header.Get("X-Lingxi-Attempt")})
	n := len(b.calls[r.URL.Path])
	b.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/lingxi/verify-identity":
		if b.hang {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
				b.t.Errorf("bank: the client never gave up")
			}
			return
		}
		if n <= b.verifyFails {
			http.Error(w, `{"error":"busy"}`, b.verifyStatus)
			return
		}
		s := p.Slots
		ok := s["card_last4"] == "1234" && (s["dob"] == "1990-05-01" || s["phone"] == "+8613812345678")
		json.NewEncoder(w).Encode(map[string]any{"verified": ok, "name": "Li Lei"})
	case "/lingxi/lock-card":
		json.NewEncoder(w).Encode(map[string]any{"reference": "LK-" + p.Slots["card_last4"], "locked_at": "2025-11-20T10:00:00+08:00"})
	default:
		http.NotFound(w, r)
	}
}

func (b *bank) callsTo(path string) []bankCall {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]bankCall(nil), b.calls[path]...)
}

// newBank starts the tenant's system on loopback and an engine that may
// call it. Cleanup closes both and checks that no goroutine is left behind.
func newBank(t *testing.T) (*bank, string, *dialog.Engine) {
	t.Helper()
	before := runtime.NumGoroutine()
	b := &bank{t: t, secret: []byte("whsec_demo_tenant")}
	srv := httptest.NewServer(b)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		srv.Close()
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			t.Errorf("%d goroutines left behind", n-before)
		}
	})
	e := newEngine(dialog.Config{
		HTTP: client, WebhookSecret: b.secret, Egress: loopbackTo(srv.URL),
		RetryBackoff: 20 * time.Millisecond,
	})
	return b, srv.URL, e
}

func TestLostCardEnglish(t *testing.T) {
	b, url, e := newBank(t)
	f := loadLostCard(t, url)
	c := start(t, e, f, dialog.StartInput{ConversationID: "conv-en", CustomerID: "cust-7", Text: "I lost my card ending 1234"},
		"say:I'm sorry to hear that. I can lock your card right away.",
		"gather:To make sure it's you: would you like to confirm your date of birth (press 1) or your mobile number (press 2)?")
	c.say(text("my date of birth"), "gather:What is your date of birth?")
	c.say(text("tomorrow"), "gather:Please tell me your date of birth with the year, for example 1 May 1990, or key it in as year, month and day: 19900501.")
	c.say(text("May 1st, 1990"),
		"say:Done: your card ending 1234 is now locked, reference LK-1234. Nobody can use it any more.",
		"say:You can order a replacement card in the app. Thank you for contacting us.",
		"end:resolved")

	v := b.callsTo("/lingxi/verify-identity")
	if len(v) != 1 {
		t.Fatalf("verify calls = %d", len(v))
	}
	want := dialog.WebhookPayload{
		FlowID: "lost_card", FlowVersion: 1, Step: "verify", ConversationID: "conv-en", CustomerID: "cust-7",
		Lang: dialog.LangEn, Slots: map[string]string{"card_last4": "1234", "dob": "1990-05-01"},
	}
	if got := v[0].payload; got.FlowID != want.FlowID || got.Step != want.Step || got.ConversationID != want.ConversationID ||
		got.CustomerID != want.CustomerID || got.Lang != want.Lang || len(got.Slots) != 2 ||
		got.Slots["card_last4"] != "1234" || got.Slots["dob"] != "1990-05-01" || got.FlowVersion != 1 {
		t.Errorf("verify payload = %+v\nwant %+v", got, want)
	}
	lock := b.callsTo("/lingxi/lock-card")
	if len(lock) != 1 || len(lock[0].payload.Slots) != 1 || lock[0].payload.Slots["card_last4"] != "1234" {
		t.Errorf("lock calls = %+v", lock)
	}
	if c.st.Slots["verified"] != "true" || c.st.Slots["customer_name"] != "Li Lei" || c.st.Slots["lock_ref"] != "LK-1234" {
		t.Errorf("slots from webhooks = %v", c.st.Slots)
	}
}

func TestLostCardChinese(t *testing.T) {
	b, url, e := newBank(t)
	f := loadLostCard(t, url)
	c := start(t, e, f, dialog.StartInput{ConversationID: "conv-zh", Text: "我的银行卡丢了"},
		"say:很抱歉听到这个消息，我可以马上为您冻结银行卡。", "gather:请告诉我这张卡卡号的后四位。")
	c.say(text("尾号是一二三四"), "gather:为确认是您本人，请选择核对出生日期（按1）还是手机号码（按2）？")
	c.say(text("用手机号吧"), "gather:请问您在银行预留的手机号码是多少？")
	c.say(text("幺三八 一二三四 五六七八"),
		"say:已为您冻结尾号1234的银行卡，业务编号LK-1234，这张卡已无法再被使用。",
		"say:您可以在App中申请补办新卡。感谢您联系我们。",
		"end:resolved")
	v := b.callsTo("/lingxi/verify-identity")
	if len(v) != 1 || v[0].payload.Lang != dialog.LangZh || v[0].payload.Slots["phone"] != "+8613812345678" {
		t.Errorf("verify calls = %+v", v)
	}
	if _, sent := v[0].payload.Slots["dob"]; sent {
		t.Errorf("an empty slot was sent: %v", v[0].payload.Slots)
	}
}

// The hotline: language fixed by the IVR menu, answers on the keypad.
func TestLostCardVoiceDTMF(t *testing.T) {
	_, url, e := newBank(t)
	f := loadLostCard(t, url)
	c := start(t, e, f, dialog.StartInput{ConversationID: "call-1", Lang: dialog.LangZh},
		"say:很抱歉听到这个消息，我可以马上为您冻结银行卡。", "gather:请告诉我这张卡卡号的后四位。")
	out := c.say(keys("1234#"), "gather:为确认是您本人，请选择核对出生日期（按1）还是手机号码（按2）？")
	if g := out[0]; !g.DTMF || g.MaxDigits != 1 {
		t.Errorf("gather = %+v", g)
	}
	out = c.say(keys("1"), "gather:请问您的出生日期是哪一天？")
	if g := out[0]; !g.DTMF || g.MaxDigits != 8 {
		t.Errorf("gather = %+v", g)
	}
	c.say(keys("19900501"),
		"say:已为您冻结尾号1234的银行卡，业务编号LK-1234，这张卡已无法再被使用。",
		"say:您可以在App中申请补办新卡。感谢您联系我们。",
		"end:resolved")
}

func TestLostCardVerifyRetriedAfter500(t *testing.T) {
	b, url, e := newBank(t)
	b.verifyStatus, b.verifyFails = http.StatusInternalServerError, 1
	f := loadLostCard(t, url)
	c := start(t, e, f, dialog.StartInput{ConversationID: "conv-retry", Text: "lost my card, it ends in 1234"},
		"say:I'm sorry to hear that. I can lock your card right away.",
		"gather:To make sure it's you: would you like to confirm your date of birth (press 1) or your mobile number (press 2)?")
	c.say(keys("2"), "gather:What is the mobile number registered with the bank?")
	c.say(text("+86 138-1234-5678"),
		"say:Done: your card ending 1234 is now locked, reference LK-1234. Nobody can use it any more.",
		"say:You can order a replacement card in the app. Thank you for contacting us.",
		"end:resolved")
	v := b.callsTo("/lingxi/verify-identity")
	if len(v) != 2 {
		t.Fatalf("verify calls = %d, want 2", len(v))
	}
	if v[0].key == "" || v[0].key != v[1].key || v[0].attempt != "1" || v[1].attempt != "2" {
		t.Errorf("attempts %q/%q with keys %q/%q: want the same idempotency key", v[0].attempt, v[1].attempt, v[0].key, v[1].key)
	}
	if lock := b.callsTo("/lingxi/lock-card"); len(lock) != 1 || lock[0].key == v[0].key {
		t.Errorf("lock calls = %+v", lock)
	}
}

func TestLostCardVerifyTimesOut(t *testing.T) {
	b, url, e := newBank(t)
	b.hang = true
	f := loadLostCard(t, url, setStep("verify", "timeout_ms", 200))
	c := start(t, e, f, dialog.StartInput{ConversationID: "conv-timeout", Text: "我的卡丢了，尾号1234"},
		"say:很抱歉听到这个消息，我可以马上为您冻结银行卡。",
		"gather:为确认是您本人，请选择核对出生日期（按1）还是手机号码（按2）？")
	c.say(text("生日"), "gather:请问您的出生日期是哪一天？")
	began := time.Now()
	c.say(text("1990年5月1日"),
		"say:暂时无法核实您的身份，正在为您转接银行卡专员。",
		"transfer:cards/identity_check_unavailable",
		"end:handoff")
	// Three attempts of 200 ms and two short backoffs.
	if d := time.Since(began); d < 600*time.Millisecond || d > 3*time.Second {
		t.Errorf("the turn took %v", d)
	}
	if n := len(b.callsTo("/lingxi/verify-identity")); n != 3 {
		t.Errorf("verify calls = %d, want 1 + 2 retries", n)
	}
	if n := len(b.callsTo("/lingxi/lock-card")); n != 0 {
		t.Errorf("the card was locked without verification")
	}
	if c.st.Queue != "cards" || c.st.Outcome != dialog.OutcomeHandoff {
		t.Errorf("final state %+v", c.st)
	}
}

func TestLostCardVerifyRefused(t *testing.T) {
	b, url, e := newBank(t)
	b.verifyStatus, b.verifyFails = http.StatusForbidden, 10
	f := loadLostCard(t, url)
	c := start(t, e, f, dialog.StartInput{Text: "card ending 1234 was stolen"},
		"say:I'm sorry to hear that. I can lock your card right away.",
		"gather:To make sure it's you: would you like to confirm your date of birth (press 1) or your mobile number (press 2)?")
	c.say(text("phone"), "gather:What is the mobile number registered with the bank?")
	c.say(text("13812345678"),
		"say:I can't check your identity right now. Let me put you through to a colleague in the cards team.",
		"transfer:cards/identity_check_unavailable", "end:handoff")
	if n := len(b.callsTo("/lingxi/verify-identity")); n != 1 {
		t.Errorf("verify calls = %d: a 4xx is not retried", n)
	}
}

func TestLostCardIdentityMismatch(t *testing.T) {
	_, url, e := newBank(t)
	f := loadLostCard(t, url)
	c := start(t, e, f, dialog.StartInput{Text: "尾号1234的卡丢了"},
		"say:很抱歉听到这个消息，我可以马上为您冻结银行卡。",
		"gather:为确认是您本人，请选择核对出生日期（按1）还是手机号码（按2）？")
	c.say(text("出生日期"), "gather:请问您的出生日期是哪一天？")
	c.say(text("1985年2月3日"),
		"say:您提供的信息与我们的记录不一致，正在为您转接银行卡专员。",
		"transfer:cards/identity_not_verified", "end:handoff")
}
