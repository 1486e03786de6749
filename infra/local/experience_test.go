package local

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/coder/websocket"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/devstack"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/infra/logbuf"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Experience operations on the local stack, as `make run` brings it up, through the real HTTP and
// WebSocket APIs:
//   - qa: a customer's chat handed to the demo agent, who accepts it and writes a forbidden phrase
//     of the default inspection form before the contact ends: qa.violation on the stream and a
//     qa_violation push on the demo supervisor's WebSocket while the chat runs; after the wrap-up
//     GET /v1/qa/contacts/{id} holds the score with that violation.
//   - survey: with survey.chat on, a chat the bot resolves is ended by its customer, who answers
//     the CSAT quick reply "4"; another is answered through the partner API (csat 2); GET
//     /v1/voc/satisfaction?by=channel shows both (count 2, mean 3).
//   - report: the current week's report (the demo tenant's time zone) built on the stack: its HTML
//     holds its charts and the test's contacts, its PDF is a PDF.
//
// Deadlines are generous guards, not assertions on speed; the stack's steer engine runs every
// minute meanwhile.
func TestExperienceEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack")
	}
	log := &logbuf.Buffer{}
	state := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	l, err := Start(ctx, Options{Template: "../../template.yaml", StateDir: state, Log: log, HTTPClient: contractClient(t), Edge: EdgeOptions{Off: true}})
	if err != nil {
		t.Fatalf("start: %v\n%s", err, log.String())
	}
	defer l.Close()
	defer func() {
		if t.Failed() {
			t.Log(log.String())
		}
	}()
	call := func(t *testing.T, method, path, key string, body any, want int, out any) {
		t.Helper()
		code, b, err := l.Call(ctx, method, path, key, body)
		if err != nil || code != want {
			t.Fatalf("%s %s: %d %.500s %v, want %d", method, path, code, b, err, want)
		}
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s %s: %v: %.300s", method, path, err, b)
			}
		}
	}
	signIn := func(t *testing.T, username, password string) string {
		t.Helper()
		var s struct {
			Token string `json:"token"`
		}
		call(t, "POST", "/v1/sessions", "", map[string]string{"tenant": DemoTenant, "username": username, "password": password}, http.StatusCreated, &s)
		return s.Token
	}
	cfg := aws.Config{Region: "us-east-1", Credentials: devstack.Credentials()}
	kc := kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.BaseEndpoint = aws.String(l.Stack.Endpoints().Kinesis) })

	// Contacts of the test, for the report.
	var conversations []string

	t.Run("qa", func(t *testing.T) {
		pw, err := os.ReadFile(filepath.Join(state, supervisorPasswordFile))
		if err != nil {
			t.Fatal(err)
		}
		supToken := signIn(t, DemoSupervisor, strings.TrimSpace(string(pw)))
		ws, _, err := websocket.Dial(ctx, l.Stack.WebSocketURL("AgentsApi")+"?token="+url.QueryEscape(supToken), nil)
		if err != nil {
			t.Fatalf("the supervisor connects: %v", err)
		}
		defer ws.CloseNow()
		pushed := make(chan map[string]any, 256)
		go func() {
			defer close(pushed)
			for {
				_, b, err := ws.Read(ctx)
				if err != nil {
					return
				}
				var m map[string]any
				if json.Unmarshal(b, &m) == nil {
					pushed <- m
				}
			}
		}()

		agentToken := signIn(t, DemoAgent, l.AgentPassword)
		var me struct {
			ID string `json:"id"`
		}
		call(t, "GET", "/v1/me", agentToken, nil, http.StatusOK, &me)
		call(t, "PUT", "/v1/agents/"+me.ID+"/state", agentToken, map[string]string{"state": "available"}, http.StatusOK, nil)

		var conv struct {
			ID string `json:"id"`
		}
		call(t, "POST", "/v1/conversations", l.DemoKey, map[string]any{"customer": map[string]string{"id": "qa-customer"}, "language": "en"}, http.StatusCreated, &conv)
		conversations = append(conversations, conv.ID)
		var reply map[string]any
		call(t, "POST", "/v1/conversations/"+conv.ID+"/messages", l.DemoKey, map[string]string{"text": "I want to talk to a human"}, http.StatusOK, &reply)
		if reply["state"] != "handoff" {
			t.Fatalf("handoff: %v", reply)
		}

		// The offer reaches the agent; they accept it.
		offerID := ""
		waitFor(t, "an offer of "+conv.ID+" to "+DemoAgent, 2*time.Minute, func() bool {
			var list struct {
				Items []struct {
					ID    string `json:"id"`
					Offer *struct {
						ID string `json:"id"`
					} `json:"offer"`
				} `json:"items"`
			}
			call(t, "GET", "/v1/contacts?state=offered", agentToken, nil, http.StatusOK, &list)
			for _, c := range list.Items {
				if c.ID == conv.ID && c.Offer != nil {
					offerID = c.Offer.ID
				}
			}
			return offerID != ""
		})
		call(t, "POST", "/v1/contacts/"+conv.ID+"/accept", agentToken, map[string]string{"offer_id": offerID}, http.StatusOK, nil)
		call(t, "POST", "/v1/contacts/"+conv.ID+"/messages", agentToken, map[string]string{"text": "Hello, welcome to Demo Bank."}, http.StatusCreated, nil)
		call(t, "POST", "/v1/conversations/"+conv.ID+"/messages", l.DemoKey, map[string]string{"text": "My transfer did not arrive"}, http.StatusOK, nil)
		call(t, "POST", "/v1/contacts/"+conv.ID+"/messages", agentToken, map[string]string{"text": "Sorry, that is not my problem."}, http.StatusCreated, nil)

		// While the chat runs: the violation on the stream and on the supervisor's wallboard.
		var onStream events.QAViolation
		waitFor(t, "qa.violation on the stream", 2*time.Minute, func() bool {
			for _, e := range emulators.ReadStream(t, kc, l.Stack.Ref("EventStream"), events.Decode) {
				if e.Type != events.TypeQAViolation || e.Tenant != DemoTenant || e.Subject != conv.ID {
					continue
				}
				if v, err := events.DataAs[events.QAViolation](e); err == nil && v.RuleID == "forbidden-words" {
					onStream = v
					return true
				}
			}
			return false
		})
		t.Logf("qa.violation: %+v", onStream)
		if onStream.AgentID != me.ID || onStream.Speaker != events.RoleAgent {
			t.Errorf("qa.violation agent %q speaker %q, want %s agent", onStream.AgentID, onStream.Speaker, me.ID)
		}
		deadline := time.After(2 * time.Minute)
		var seen []string
	push:
		for {
			select {
			case m, ok := <-pushed:
				if !ok {
					t.Fatalf("the supervisor's connection closed; got %q", seen)
				}
				if m["type"] == "qa_violation" && m["contact_id"] == conv.ID && m["rule_id"] == "forbidden-words" {
					t.Logf("pushed to the supervisor: %v", m)
					if m["agent_id"] != me.ID || m["detail"] == nil || m["at"] == nil {
						t.Errorf("qa_violation push %v", m)
					}
					break push
				}
				seen = append(seen, fmt.Sprint(m["type"], " ", m["contact_id"]))
			case <-deadline:
				t.Fatalf("no qa_violation push to the supervisor within 2 minutes; got %q", seen)
			}
		}
		var contact map[string]any
		call(t, "GET", "/v1/contacts/"+conv.ID, agentToken, nil, http.StatusOK, &contact)
		if contact["state"] != "assigned" {
			t.Errorf("the contact is %v when the violation is shown, want assigned (still running)", contact["state"])
		}

		// After the wrap-up, the contact's score holds the violation.
		call(t, "POST", "/v1/contacts/"+conv.ID+"/wrapup", agentToken, map[string]string{"disposition": "resolved"}, http.StatusOK, nil)
		var res struct {
			Score      float64 `json:"score"`
			AgentID    string  `json:"agent_id"`
			Violations []struct {
				RuleID  string `json:"rule_id"`
				Excerpt string `json:"excerpt"`
			} `json:"violations"`
		}
		waitFor(t, "GET /v1/qa/contacts/"+conv.ID, 2*time.Minute, func() bool {
			code, b, err := l.Call(ctx, "GET", "/v1/qa/contacts/"+conv.ID, l.DemoKey, nil)
			if err != nil || code == http.StatusNotFound {
				return false
			}
			if code != http.StatusOK {
				t.Fatalf("GET /v1/qa/contacts/%s: %d %s", conv.ID, code, b)
			}
			return json.Unmarshal(b, &res) == nil
		})
		t.Logf("QA result: score %.1f, violations %+v", res.Score, res.Violations)
		if res.Score >= 100 || res.AgentID != me.ID || !slices.ContainsFunc(res.Violations, func(v struct {
			RuleID  string `json:"rule_id"`
			Excerpt string `json:"excerpt"`
		}) bool {
			return v.RuleID == "forbidden-words" && strings.Contains(v.Excerpt, "not my problem")
		}) {
			t.Fatalf("QA result %+v", res)
		}
	})

	t.Run("survey", func(t *testing.T) {
		var settings map[string]any
		call(t, "GET", "/v1/bot/settings", l.DemoKey, nil, http.StatusOK, &settings)
		for _, readOnly := range []string{"updated_at", "version", "webhook_secret_set"} {
			delete(settings, readOnly)
		}
		survey, _ := settings["survey"].(map[string]any)
		if survey == nil {
			survey = map[string]any{}
		}
		survey["chat"] = true
		settings["survey"] = survey
		call(t, "PUT", "/v1/bot/settings", l.DemoKey, settings, http.StatusOK, nil)

		resolved := func(customer string) string {
			t.Helper()
			var conv struct {
				ID string `json:"id"`
			}
			call(t, "POST", "/v1/conversations", l.DemoKey, map[string]any{"customer": map[string]string{"id": customer}, "language": "en"}, http.StatusCreated, &conv)
			conversations = append(conversations, conv.ID)
			var r map[string]any
			call(t, "POST", "/v1/conversations/"+conv.ID+"/messages", l.DemoKey, map[string]string{"text": "How much does a transfer to another bank cost?"}, http.StatusOK, &r)
			if got := replyText(r); !strings.Contains(got, "Transfers in the app are free") {
				t.Fatalf("the bot answered %q", got)
			}
			var ended map[string]any
			call(t, "POST", "/v1/conversations/"+conv.ID+"/end", l.DemoKey, nil, http.StatusOK, &ended)
			if b, _ := json.Marshal(ended); !bytes.Contains(b, []byte("How satisfied are you")) || !bytes.Contains(b, []byte("quick_replies")) {
				t.Fatalf("the end asks no CSAT question: %s", b)
			}
			return conv.ID
		}
		byChat := resolved("survey-chat-customer")
		var r map[string]any
		call(t, "POST", "/v1/conversations/"+byChat+"/messages", l.DemoKey, map[string]string{"text": "4"}, http.StatusOK, &r)
		if got := replyText(r); !strings.Contains(got, "Thank you for your feedback") {
			t.Fatalf("the answer was thanked with %q", got)
		}

		var key struct {
			Key string `json:"key"`
		}
		call(t, "POST", "/v1/api-keys", l.DemoKey, map[string]string{"name": "survey partner", "role": "partner"}, http.StatusCreated, &key)
		byAPI := resolved("survey-api-customer")
		call(t, "POST", "/v1/contacts/"+byAPI+"/feedback", key.Key, map[string]any{"csat": 2, "comment": "slow"}, http.StatusCreated, nil)
		call(t, "POST", "/v1/contacts/"+byAPI+"/feedback", key.Key, map[string]any{"csat": 5}, http.StatusConflict, nil)

		type row struct {
			Value     string   `json:"value"`
			CSATCount int64    `json:"csat_count"`
			CSATMean  *float64 `json:"csat_mean"`
		}
		var figures struct {
			Rows []row `json:"rows"`
		}
		waitFor(t, "both answers in GET /v1/voc/satisfaction?by=channel", 2*time.Minute, func() bool {
			call(t, "GET", "/v1/voc/satisfaction?by=channel", l.DemoKey, nil, http.StatusOK, &figures)
			i := slices.IndexFunc(figures.Rows, func(r row) bool { return r.Value == "chat" })
			return i >= 0 && figures.Rows[i].CSATCount >= 2
		})
		t.Logf("satisfaction by channel: %+v", figures.Rows)
		chat := figures.Rows[slices.IndexFunc(figures.Rows, func(r row) bool { return r.Value == "chat" })]
		if chat.CSATCount != 2 || chat.CSATMean == nil || *chat.CSATMean != 3 {
			t.Fatalf("chat row %+v, want 2 answers of mean 3", chat)
		}
	})

	t.Run("report", func(t *testing.T) {
		loc, err := time.LoadLocation(DemoTimeZone)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().In(loc)
		y, w := now.ISOWeek()
		week := fmt.Sprintf("%d-W%02d", y, w)
		// A week is built once (a partial one is kept until the week ends): build it once the
		// forecast function has counted the test's contacts (every contact, bot ones included),
		// which the report's contact figures read.
		monday := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, -(int(now.Weekday())+6)%7)
		counts := intervals.New(store.New(dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
			o.BaseEndpoint = aws.String(l.Stack.Endpoints().DynamoDB)
		}), l.Stack.Ref("Table")))
		demo, _ := tenant.Parse(DemoTenant)
		counted := 0.0
		waitFor(t, fmt.Sprintf("the %d chats of the test counted", len(conversations)), 2*time.Minute, func() bool {
			s, err := counts.Series(ctx, demo, intervals.AllQueues, events.ChannelChat, intervals.Offered, monday, monday.AddDate(0, 0, 7), intervals.Step)
			if err != nil {
				t.Fatal(err)
			}
			counted = 0
			for _, v := range s.Values {
				if !math.IsNaN(v) { // not yet happened
					counted += v
				}
			}
			return counted >= float64(len(conversations))
		})
		var rep struct {
			Contacts int  `json:"contacts"`
			Partial  bool `json:"partial"`
		}
		call(t, "POST", "/v1/voc/reports", l.DemoKey, map[string]string{"week": week}, http.StatusCreated, &rep)
		t.Logf("report %s: %+v", week, rep)
		if rep.Contacts != len(conversations) || !rep.Partial {
			t.Errorf("report %s: %+v, want %d contacts, partial", week, rep, len(conversations))
		}
		body := func(format, wantType string) []byte {
			t.Helper()
			req, err := http.NewRequestWithContext(ctx, "GET", l.Stack.HTTPURL()+"/v1/voc/reports/"+week+"/"+format, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+l.DemoKey)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), wantType) {
				t.Fatalf("GET …/%s: %d %s %.300s %v", format, resp.StatusCode, resp.Header.Get("Content-Type"), b, err)
			}
			return b
		}
		html := string(body("html", "text/html"))
		if n := strings.Count(html, "<svg"); n < 2 {
			t.Errorf("the HTML has %d charts", n)
		}
		for _, want := range []string{week, fmt.Sprintf(`<div class="v">%d</div><div class="l">联络量 Contacts</div>`, len(conversations)),
			fmt.Sprintf(`<tr><td>合计 Week</td><td>%d</td>`, len(conversations))} {
			if !strings.Contains(html, want) {
				t.Errorf("the HTML lacks %q", want)
			}
		}
		t.Logf("HTML: %d bytes, %d charts; %d conversations of the test", len(html), strings.Count(html, "<svg"), len(conversations))
		if pdf := body("pdf", "application/pdf"); !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Fatalf("the PDF starts %q", pdf[:min(len(pdf), 16)])
		}
	})
}
