package vocsource_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/inspect"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/satisfaction"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/users"
	"github.com/lingxi/lingxi/shared/voc"
	"github.com/lingxi/lingxi/shared/vocreport"
	"github.com/lingxi/lingxi/shared/vocsource"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type zone struct{ loc *time.Location }

func (z zone) Calendar(context.Context, tenant.ID) (forecast.Calendar, error) {
	return forecast.Calendar{Location: z.loc}, nil
}

// angry labels a message negative when it says 生气 (the counting part's Sentiment; the model
// itself is shared/sentiment's, tested there).
type angry struct{}

func (angry) Predict(text string) (string, float64) {
	if strings.Contains(text, "生气") {
		return "negative", -0.9
	}
	return "neutral", 0
}

type part interface {
	Event(ctx context.Context, env events.Envelope) error
}

func ptr[T any](v T) *T { return &v }

// Real events folded by the real parts (the survey fold, the counting part, the inspector) and an
// alert raised and resolved in the alert store end up in a built report's figures and HTML, in
// the tenant's time zone (Asia/Shanghai, week 2026-W48: 23–29 November local).
func TestReportFromTheStores(t *testing.T) {
	ctx := t.Context()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	kin, name := emulators.NewStream(t, 1)
	s3c, bucket := emulators.NewBucket(t, modelstore.NewClient)
	db := store.New(ddb, table)
	box := outbox.New(db, stream.NewPublisher(kin, name), quiet)
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	acme, _ := tenant.Parse("acme")
	local := func(day, hour int) time.Time { return time.Date(2026, 11, day, hour, 0, 0, 0, sh) }
	inspectedAt := local(26, 11)
	parts := []part{
		voc.NewCounting(voc.NewCounters(db), angry{}, nil, quiet),
		satisfaction.NewFold(db, nil),
		inspect.New(inspect.Config{DB: db, Commit: box, Source: "test", Now: func() time.Time { return inspectedAt }}),
	}
	feed := func(typ, subject string, at time.Time, data any) {
		t.Helper()
		env, err := events.New(acme, typ, subject, "test", data)
		if err != nil {
			t.Fatal(err)
		}
		env.Time = at.UTC()
		for _, p := range parts {
			if err := p.Event(ctx, env); err != nil {
				t.Fatalf("%s %s: %v", typ, subject, err)
			}
		}
	}
	customer := func(conv, intent, text string, at time.Time) {
		feed(events.TypeChatMessage, conv, at, events.ChatMessage{ConversationID: conv, Channel: events.ChannelChat, Role: events.RoleCustomer, Text: text, Intent: intent})
	}

	// Surveys: billing 5 and 2, cards 4 (NPS 10, 3, 9). Overall CSAT (5+2+4)/3 = 3.67, 2 of 3 are
	// 4–5 = 66.7 %, NPS (2 promoters − 1 detractor)/3 = +33.
	for _, s := range []struct {
		id, queue, intent string
		csat, nps         int
		day               int
	}{{"c-1", "billing", "refund", 5, 10, 24}, {"c-2", "billing", "card_lost", 2, 3, 25}, {"c-3", "cards", "card_lost", 4, 9, 25}} {
		feed(events.TypeContactCreated, s.id, local(s.day, 10), events.ContactCreated{Channel: events.ChannelChat, Queue: s.queue, Intent: s.intent, Reason: events.ReasonCustomerRequest})
		feed(events.TypeFeedbackSubmitted, s.id, local(s.day, 12), events.FeedbackSubmitted{ContactID: s.id, CSAT: ptr(s.csat), NPS: ptr(s.nps), Source: events.FeedbackChat})
	}
	// Messages: card_lost 6 this week (one at 01:00 local Monday, still Sunday in UTC) and 2 the
	// week before (+200 %, rising); refund 1 this week. Two of the week's seven are negative
	// (28.6 %).
	customer("m-1", "card_lost", "卡丢了，我很生气", local(23, 1))
	customer("m-2", "card_lost", "卡不见了", local(24, 9))
	customer("m-3", "card_lost", "我很生气，卡被吞了", local(24, 10))
	customer("m-4", "refund", "我要退款", local(27, 15))
	for i, id := range []string{"m-5", "m-6", "m-7"} {
		customer(id, "card_lost", "卡丢了", local(26, 9+i))
	}
	customer("m-0", "card_lost", "卡丢了", local(18, 9))
	customer("m-00", "card_lost", "卡丢了", local(22, 23))
	// Two business events on Tuesday 24 November: its transactions.
	for _, id := range []string{"cust-1", "cust-2"} {
		feed(events.TypeBusinessEvent, id, local(24, 8), events.BusinessEvent{CustomerID: id, Kind: "payment_failed", OccurredAt: local(24, 8)})
	}
	// One chat contact that day in the interval counters: 1 / 2 × 10,000 = 5000.00.
	if err := intervals.New(db).Count(ctx, acme, "ic-1", intervals.AllQueues, events.ChannelChat, local(24, 9), map[string]int64{intervals.Offered: 1}); err != nil {
		t.Fatal(err)
	}
	// An inspected chat contact of agent u-7.
	conv, agent := "cv-9", "u-7"
	feed(events.TypeChatMessage, conv, local(26, 10), events.ChatMessage{ConversationID: conv, Channel: events.ChannelChat, Role: events.RoleAgent, AgentID: agent, Text: "您好，很高兴为您服务"})
	feed(events.TypeChatMessage, conv, local(26, 10).Add(time.Minute), events.ChatMessage{ConversationID: conv, Channel: events.ChannelChat, Role: events.RoleAgent, AgentID: agent, Text: "这个不归我管"})
	feed(events.TypeContactEnded, conv, local(26, 10).Add(2*time.Minute), events.ContactEnded{Channel: events.ChannelChat, Outcome: events.OutcomeResolvedByAgent, DurationMS: 120000, AgentID: agent})
	if err := db.Create(ctx, acme, users.Key(agent), users.User{ID: agent, Username: "lina", DisplayName: "李娜", Role: users.Role("agent")}); err != nil {
		t.Fatal(err)
	}
	res, err := inspect.NewBook(db, box, "test", nil).Result(ctx, acme, conv)
	if err != nil {
		t.Fatal(err)
	}
	// An alert on card_lost from 10:00 Tuesday, resolved 30 minutes after its onset.
	onset := local(24, 10)
	alerts := voc.NewAlerts(db, box, "test").WithClock(func() time.Time { return onset.Add(5 * time.Minute) })
	al, raised, err := alerts.Raise(ctx, acme, voc.Alert{Key: voc.IntentKey("card_lost"), Kind: events.AlertIntent, Name: "card_lost", Count: 9, Expected: 1, Score: 5, Onset: onset})
	if err != nil || !raised {
		t.Fatalf("raise: %v %v", raised, err)
	}
	if _, err := alerts.WithClock(func() time.Time { return onset.Add(30 * time.Minute) }).Resolve(ctx, acme, al.ID, "u-sup", ""); err != nil {
		t.Fatal(err)
	}

	src := vocsource.New(db)
	w, err := vocreport.ParseWeek("2026-W48", sh)
	if err != nil {
		t.Fatal(err)
	}
	sat, err := src.Satisfaction(ctx, acme, w)
	if err != nil {
		t.Fatal(err)
	}
	if o := sat.Overall; o.CSATCount != 3 || o.CSATMean != 3.67 || o.CSATPercent != 66.67 || o.NPSCount != 3 || o.NPS != 33.33 {
		t.Fatalf("overall %+v", o)
	}
	if len(sat.ByQueue) != 2 || sat.ByQueue[0].Key != "billing" || sat.ByQueue[0].Score.CSATMean != 3.5 || len(sat.ByIntent) != 2 {
		t.Fatalf("by queue %+v, by intent %+v", sat.ByQueue, sat.ByIntent)
	}
	senti, err := src.Sentiment(ctx, acme, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(senti) != 7 || senti[0] != (vocreport.DayShare{Date: "2026-11-23", Negative: 1, Total: 1}) || senti[1] != (vocreport.DayShare{Date: "2026-11-24", Negative: 1, Total: 2}) {
		t.Fatalf("sentiment %+v", senti)
	}
	tops, err := src.Topics(ctx, acme, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(tops) != 2 || tops[0] != (vocreport.TopicCount{Key: "intent:card_lost", Name: "card_lost", Count: 6, Previous: 2}) ||
		tops[1] != (vocreport.TopicCount{Key: "intent:refund", Name: "refund", Count: 1}) {
		t.Fatalf("topics %+v", tops)
	}
	biz, err := src.BusinessEvents(ctx, acme, w)
	if err != nil || len(biz) != 7 || biz[1] != (vocreport.DayCount{Date: "2026-11-24", Count: 2}) || biz[0].Count != 0 {
		t.Fatalf("business events %+v %v", biz, err)
	}
	qa, err := src.QA(ctx, acme, w)
	if err != nil || qa.Count != 1 || qa.Mean != res.FinalScore || len(qa.Agents) != 1 || qa.Agents[0].ID != agent || qa.Agents[0].Name != "李娜" {
		t.Fatalf("qa %+v %v (result %v)", qa, err, res.FinalScore)
	}
	if prev, err := src.QA(ctx, acme, w.Previous()); err != nil || prev.Count != 0 {
		t.Fatalf("qa of the week before %+v %v", prev, err)
	}

	b := vocreport.New(vocreport.Config{DB: db, S3: s3c, Bucket: bucket, Source: src, Contacts: intervals.New(db),
		Calendars: zone{sh}, Now: func() time.Time { return local(30, 12) }})
	r, built, err := b.BuildDue(ctx, acme, local(30, 12).AddDate(0, 0, 1))
	if err != nil || !built || r.Week != "2026-W48" {
		t.Fatalf("build: %+v %v %v", r, built, err)
	}
	if r.Alerts != 1 || r.Contacts != 1 || r.Transactions == nil || *r.Transactions != 2 || r.TxSource != vocreport.TxBusinessEvents ||
		r.CSATMean == nil || *r.CSATMean != 3.67 || r.NPS == nil || *r.NPS != 33.33 {
		t.Fatalf("report %+v", r)
	}
	body, err := b.Body(ctx, acme, r.Week, vocreport.FormatHTML)
	if err != nil {
		t.Fatal(err)
	}
	html := string(body)
	for _, want := range []string{
		"<td>3.67</td><td>66.7%</td><td>&#43;33</td>",           // satisfaction overall
		"<td>billing</td><td>2</td><td>3.50</td><td>50.0%</td>", // a queue's row
		"5000.00", // contacts per 10,000 transactions
		"28.6%",   // the week's negative share (2 of 7)
		"<td>card_lost</td><td>6</td><td>2</td><td>&#43;4</td><td>&#43;200%</td>", // rising: 2 → 6
		"30 min", "2026-11-24 10:00", // the alert, in local time
		"<td>李娜</td><td>1</td><td>" + fmtScore(res.FinalScore) + "</td>", // QA per agent, by name
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the report's HTML lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("HTML: %s", html)
	}
}

func fmtScore(f float64) string { return fmt.Sprintf("%.1f", f) }
