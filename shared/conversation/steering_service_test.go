package conversation

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
)

// steeredService is the bot of newBot over a real table (the emulators) for each of tenants, and
// the committer that keeps the turns' events.
func steeredService(t *testing.T, now time.Time, tenants ...tenant.ID) (*Service, *store.Store, *txCommitter) {
	t.Helper()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	db := store.New(ddb, table)
	items := map[store.Key]any{
		{Kind: botconfig.KindSettings, ID: botconfig.SettingsID}: botconfig.Settings{LowConfidenceTurns: 2},
		{Kind: botconfig.KindIntent, ID: "opening_hours"}:        botconfig.Intent{ID: "opening_hours", Answer: botconfig.Text{"en": "Branches open 9:00–17:00.", "zh": "网点营业时间为9:00–17:00。"}},
		{Kind: botconfig.KindIntent, ID: "refund"}:               botconfig.Intent{ID: "refund", Queue: "refunds"},
		{Kind: botconfig.KindIntent, ID: "card_lost"}:            botconfig.Intent{ID: "card_lost", Flow: "lock_card", Examples: []string{"I lost my card", "我的卡丢了"}},
		{Kind: botconfig.KindFlow, ID: "lock_card"}:              botconfig.Flow{ID: "lock_card", Definition: json.RawMessage(cardFlowDef)},
	}
	for _, ten := range tenants {
		for k, v := range items {
			if _, err := db.Put(t.Context(), ten, k, v, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	model := keywordModel{fallback: "opening_hours", words: map[string]string{
		"refund": "refund", "退款": "refund", "lost my card": "card_lost", "卡丢了": "card_lost", "hours": "opening_hours", "营业": "opening_hours",
	}}
	commit := &txCommitter{db: db}
	s := New(Config{DB: db, Commit: commit, Models: fixedModels{model}, Now: func() time.Time { return now },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return s, db, commit
}

// writeOverlay stores what the engine has in force for t, as shared/steering does.
func writeOverlay(t *testing.T, db *store.Store, ten tenant.ID, active ...strategy.Activation) {
	t.Helper()
	if _, err := db.Put(t.Context(), ten, overlay.Key, overlay.State{Active: active, LastDecision: "20261201T0900"}, 0); err != nil {
		t.Fatal(err)
	}
}

// botFirstOn is bot first for opening hours and the lost card on the general queue, with the
// expected wait announced there too (4 minutes), from since to until.
func botFirstOn(since, until time.Time) []strategy.Activation {
	return []strategy.Activation{
		{ID: "act-20261201T0855-general-bot_first", Queue: DefaultQueue, Strategy: strategy.BotFirst, Source: strategy.ByEngine, Since: since, Until: until,
			Params: strategy.Params{Intents: []string{"opening_hours", "card_lost"}}},
		{ID: "act-20261201T0855-general-announce_wait", Queue: DefaultQueue, Strategy: strategy.AnnounceWait, Source: strategy.ByEngine, Since: since, Until: until,
			Params: strategy.Params{ExpectedWaitSeconds: 240}},
	}
}

// strategies are the strategies the bot messages of evs carry out, in order.
func strategies(t *testing.T, evs []events.Envelope) (out []string, handoffs int) {
	t.Helper()
	for _, ev := range evs {
		switch ev.Type {
		case events.TypeChatMessage:
			m, err := events.DataAs[events.ChatMessage](ev)
			if err != nil {
				t.Fatal(err)
			}
			if m.Strategy != "" {
				out = append(out, string(m.Strategy)+"@"+m.ActivationID)
			}
		case events.TypeContactCreated:
			handoffs++
		}
	}
	return out, handoffs
}

// Against the table: an overlay written for the tenant makes the first "talk to a person" get
// the answer and the line (the wait told), the second hand off with the wait announced; a tenant
// without one (another tenant's does not reach it) and a lapsed activation change nothing; a
// request in a running flow hands off; a call's keypad 0 is answered first too.
func TestBotFirstService(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	inForce, other, lapsed := mustTenant(t, "acme"), mustTenant(t, "globex"), mustTenant(t, "initech")
	svc, db, commit := steeredService(t, now, inForce, other, lapsed)
	writeOverlay(t, db, inForce, botFirstOn(now.Add(-5*time.Minute), now.Add(10*time.Minute))...)
	writeOverlay(t, db, lapsed, botFirstOn(now.Add(-20*time.Minute), now.Add(-time.Second))...)
	// conversation runs turns for ten, returning the bot's words and what each turn's events
	// name.
	type turn struct {
		said       string
		strategies []string
		handoffs   int
		state      State
	}
	conversation := func(ten tenant.ID, lang botconfig.Lang, says ...string) []turn {
		t.Helper()
		r, err := svc.Start(ctx, ten, StartInput{Channel: events.ChannelChat, Language: lang})
		if err != nil {
			t.Fatal(err)
		}
		var out []turn
		for _, text := range says {
			commit.mu.Lock()
			commit.evs = nil
			commit.mu.Unlock()
			r, err = svc.Message(ctx, ten, r.Conversation.ID, Input{Text: text})
			if err != nil {
				t.Fatalf("%q: %v", text, err)
			}
			st, n := strategies(t, commit.evs)
			out = append(out, turn{texts(r), st, n, r.Conversation.State})
		}
		return out
	}
	bf, aw := "bot_first@act-20261201T0855-general-bot_first", "announce_wait@act-20261201T0855-general-announce_wait"

	got := conversation(inForce, botconfig.LangEN, "opening hours", "talk to a person", "talk to a person")
	if got[1].said != "Branches open 9:00–17:00. | Our agents are busy right now (the expected wait is about 4 minutes). Here is what I can do for you right away; ask again and I will connect you with a person." ||
		got[1].state != StateActive || got[1].handoffs != 0 || strings.Join(got[1].strategies, ",") != bf {
		t.Errorf("first request: %+v", got[1])
	}
	if got[2].said != "Sure, I'm connecting you with a person now. Please hold on. The expected wait is about 4 minutes." ||
		got[2].state != StateHandoff || got[2].handoffs != 1 || strings.Join(got[2].strategies, ",") != aw {
		t.Errorf("second request: %+v", got[2])
	}
	got = conversation(inForce, botconfig.LangZH, "我的卡丢了", "转人工")
	if got[1].state != StateHandoff || got[1].handoffs != 1 {
		t.Errorf("zh, a request in the flow: %+v", got[1])
	}
	got = conversation(inForce, botconfig.LangZH, "营业时间", "转人工")
	if !strings.HasPrefix(got[1].said, "网点营业时间为9:00–17:00。 | 目前人工客服较忙（预计等待约4分钟）") || got[1].handoffs != 0 {
		t.Errorf("zh first request: %+v", got[1])
	}
	for name, ten := range map[string]tenant.ID{"another tenant's overlay": other, "a lapsed activation": lapsed} {
		got := conversation(ten, botconfig.LangEN, "opening hours", "talk to a person")
		if got[1].said != sayHandoff[botconfig.LangEN] || got[1].handoffs != 1 || len(got[1].strategies) != 0 {
			t.Errorf("%s: %+v", name, got[1])
		}
	}

	// A call: keypad 0 after an answer is answered first, the second 0 hands off.
	call := func(in VoiceInput) Reply {
		t.Helper()
		in.CallID, in.Caller = "call-1", "+14155550100"
		r, err := svc.Voice(ctx, inForce, in)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	call(VoiceInput{Text: "what are your hours"})
	r := call(VoiceInput{DTMF: "0"})
	if r.Conversation.State != StateActive || !strings.Contains(texts(r), "about 4 minutes") || r.Actions[len(r.Actions)-1].Type != ActionGather {
		t.Errorf("call, first 0: %q %+v", texts(r), r.Actions)
	}
	r = call(VoiceInput{DTMF: "0"})
	// The handoff itself does not repeat the wait on a call: the media edge's hold prompt tells it.
	if r.Conversation.State != StateHandoff || strings.Contains(texts(r), "expected wait") || r.Actions[len(r.Actions)-1].Type != ActionTransfer {
		t.Errorf("call, second 0: %q %+v", texts(r), r.Actions)
	}
}

// A stored overlay decodes as steering writes it (the activation's fields as the table keeps
// them), and a table without one is nothing in force.
func TestLoadSteering(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	acme, globex := mustTenant(t, "acme"), mustTenant(t, "globex")
	svc, db, _ := steeredService(t, now)
	writeOverlay(t, db, acme, botFirstOn(now, now.Add(time.Minute))...)
	for ten, want := range map[tenant.ID]int{acme: 2, globex: 0} {
		l := newLoaded(ten, botconfig.Settings{}, 0, 0)
		if err := svc.loadSteering(context.Background(), l, "cv-1"); err != nil || l.steer == nil || len(l.steer.InForce(now)) != want {
			t.Fatalf("%s: %+v, %v", ten, l.steer, err)
		}
		if a, ok := l.steer.For(DefaultQueue, strategy.BotFirst, now); want > 0 && (!ok || a.Params.Intents[1] != "card_lost") {
			t.Errorf("%s: bot first %+v", ten, a)
		}
	}
}
