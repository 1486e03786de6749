package steering

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
)

// Perceive reads each source into the Observation: agents per channel by state and load, the
// backup-skilled and the movable agents, waiting per channel, the recent arrival rate, the rolling
// forecast's intervals ahead with their band, the bot's resolution per intent and the queue's
// handoff intents, the on-call staff.
func TestPerceive(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, nil)
	acme := fx.acme
	q := floor.NewDefaultQueue(start)
	q.Skills, q.BackupSkills = []string{"general"}, []string{"spare"}
	q.Overflow = []floor.Overflow{{AfterSeconds: 60, ToQueue: "billing"}}
	billing := floor.Queue{ID: "billing", Name: "Billing", Skills: []string{"billing"}, TargetSeconds: 30, TargetPercent: 90}
	for _, qq := range []floor.Queue{q, billing} {
		if err := fx.db.Create(ctx, acme, floor.QueueKey(qq.ID), qq); err != nil {
			t.Fatal(err)
		}
	}
	gen := map[string]int{"general": 2}
	fx.presence(t, acme, "free-voice", gen, 1, 0, 0)                   // voice: available
	fx.presence(t, acme, "on-call", gen, 1, 0, 1)                      // voice: busy
	fx.presence(t, acme, "both", gen, 1, 3, 0)                         // voice and chat available; movable
	fx.presence(t, acme, "spare", map[string]int{"spare": 1}, 1, 0, 0) // backup (backup skills)
	fx.presence(t, acme, "biller", map[string]int{"billing": 1}, 1, 0, 0)
	fx.presence(t, acme, "gone", gen, 1, 0, 0)
	off := floor.Presence{UserID: "gone", State: floor.AgentOffline, Skills: gen, Capacity: map[events.Channel]int{events.ChannelVoice: 1}, Slots: []floor.Slot{}}
	if _, err := fx.db.Put(ctx, acme, floor.PresenceKey("gone"), off, 1); err != nil {
		t.Fatal(err)
	}
	fx.board(t, acme, 2, 4, 1)
	fx.arrivals(t, acme, 6)

	// A rolling forecast of general/voice: 15-minute intervals from the one before now.
	f0 := start.Add(-15 * time.Minute)
	fc := forecaststore.Forecast{ID: forecaststore.NewID(start), Queue: "general", Channel: "voice", Product: forecaststore.Rolling,
		Start: f0, End: f0.Add(6 * 15 * time.Minute), Step: "15m", Points: []float64{10, 20, 30, 40, 50, 60},
		Bands:       []forecaststore.Band{{Level: 0.95, Lower: []float64{0, 0, 0, 0, 0, 0}, Upper: []float64{99, 99, 99, 99, 99, 99}}, {Level: 0.8, Lower: []float64{8, 16, 24, 32, 40, 48}, Upper: []float64{12, 24, 36, 48, 60, 72}}},
		PublishedAt: start}
	if err := fx.db.Tx(ctx, forecaststore.PublishOps(acme, fc, 0)...); err != nil {
		t.Fatal(err)
	}
	// The bot: balance resolved 4 of 5 times (1 handed off to general), fraud never (5 handed off).
	ended := start.Add(-time.Hour)
	convo := func(id, intent, queue string, outcome events.Outcome) {
		c := map[string]any{"id": id, "intent": intent, "outcome": string(outcome), "ended_at": ended.Format(time.RFC3339Nano)}
		if queue != "" {
			c["queue"] = queue
		}
		if err := fx.db.Create(ctx, acme, store.Key{Kind: conversation.Kind, ID: id}, c); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 4 {
		convo(fmt.Sprintf("r%d", i), "balance", "", events.OutcomeResolvedByBot)
	}
	convo("h0", "balance", "general", events.OutcomeHandedOff)
	for i := range 5 {
		convo(fmt.Sprintf("f%d", i), "fraud", "general", events.OutcomeHandedOff)
	}
	set := strategy.Defaults()
	set.OnCall = []string{"boss", "deputy"}

	seen, err := fx.eng.perceive(ctx, acme, start, set)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen.obs) != 2 {
		t.Fatalf("observations %+v", seen.obs)
	}
	var ob strategy.Observation
	for _, o := range seen.obs {
		if o.Queue == "general" {
			ob = o
		}
	}
	if ob.TargetSeconds != 20 || ob.TargetPercent != 80 || ob.OnCall != 2 || ob.BackupAgents != 2 || ob.MovableAgents != 1 {
		t.Fatalf("general: target %d/%d, on call %d, backup %d, movable %d", ob.TargetSeconds, ob.TargetPercent, ob.OnCall, ob.BackupAgents, ob.MovableAgents)
	}
	views := map[string]strategy.ChannelView{}
	for _, v := range ob.Channels {
		views[v.Channel] = v
	}
	voice, chat := views[strategy.Voice], views[strategy.Chat]
	if voice.Available != 2 || voice.Busy != 1 || voice.Waiting != 2 || voice.LongestWaitSeconds != 60 || voice.ArrivalsPerHour != 24 || voice.Capacity != 1 {
		t.Fatalf("voice %+v", voice)
	}
	if voice.HandleSeconds != 300 || voice.PatienceSeconds != DefaultVoicePatienceSeconds || voice.ServiceLevel == nil || voice.AbandonRate == nil {
		t.Fatalf("voice handle %v patience %v sl %v abandon %v", voice.HandleSeconds, voice.PatienceSeconds, voice.ServiceLevel, voice.AbandonRate)
	}
	if chat.Available != 1 || chat.Busy != 0 || chat.Capacity != 3 || len(chat.Forecast) != 0 {
		t.Fatalf("chat %+v", chat)
	}
	// The interval holding now and the next ones within the 60-minute horizon, with the 80% band.
	if n := len(voice.Forecast); n != 4 {
		t.Fatalf("forecast %+v", voice.Forecast)
	}
	if p := voice.Forecast[0]; !p.Start.Equal(start) || p.Calls != 20 || p.Low != 16 || p.High != 24 {
		t.Fatalf("first forecast point %+v", p)
	}
	if want := map[string]float64{"balance": 0.8, "fraud": 0}; !maps.Equal(ob.BotResolution, want) {
		t.Fatalf("bot resolution %v, want %v", ob.BotResolution, want)
	}
	if want := map[string]float64{"balance": 0.17, "fraud": 0.83}; !maps.Equal(ob.HandoffIntents, want) {
		t.Fatalf("handoff intents %v, want %v", ob.HandoffIntents, want)
	}
	if s := seen.snaps["general"]; s.Waiting != 2 || s.Agents != 3 || s.Answered != 4 || s.Abandoned != 1 {
		t.Fatalf("snapshot %+v", s)
	}
	// The bot's counts are kept and not made again within BotStatsEvery.
	convo("late", "fraud", "general", events.OutcomeResolvedByBot)
	again, err := fx.eng.perceive(ctx, acme, start.Add(30*time.Minute), set)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range again.obs {
		if o.Queue == "general" && o.BotResolution["fraud"] != 0 {
			t.Fatalf("bot statistics counted again within %v: %v", BotStatsEvery, o.BotResolution)
		}
	}
}

// A tenant without BotFirst does not pay for counting the bot's outcomes.
func TestNoBotStatsWithoutBotFirst(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, nil)
	fx.floorOf(t, fx.acme, 1)
	set := strategy.Defaults()
	set.Strategies[strategy.BotFirst] = strategy.StrategySettings{Enabled: false}
	seen, err := fx.eng.perceive(ctx, fx.acme, start, set)
	if err != nil || len(seen.obs) != 1 {
		t.Fatalf("%+v %v", seen.obs, err)
	}
	if _, err := fx.db.Get(ctx, fx.acme, botStatsKey, nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("bot statistics counted: %v", err)
	}
}
