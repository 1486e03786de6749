package strategy_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/lingxi/lingxi/shared/strategy"
)

// FuzzSettings decodes a settings document strictly (as PUT /v1/dispatch/settings does), fills
// its defaults and checks it; settings that pass drive a decision, which must keep its
// invariants.
func FuzzSettings(f *testing.F) {
	b, _ := json.Marshal(strategy.Defaults())
	f.Add(b)
	f.Add([]byte(`{"enabled":true,"divert_cap_percent":35,"horizon_minutes":120,"exploration_budget":0,"on_call":["u1"],"divert_link":"https://help.example.com/x"}`))
	f.Add([]byte(`{"strategies":{"divert":{"enabled":false},"callback":{"enabled":true,"cost":0.1,"max_minutes":30}}}`))
	f.Add([]byte(`{"enabled":false}`))
	f.Add([]byte(`{"divert_cap_percent":1e309}`))
	f.Add([]byte(`{"strategies":{"teleport":{"enabled":true}}}`))
	base := strategy.Input{Now: t0, Queues: []strategy.Observation{spike(), voiceQueue("sales", 2, 400)}}
	f.Fuzz(func(t *testing.T, body []byte) {
		var s strategy.Settings
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return
		}
		s = s.WithDefaults()
		errs := s.Check()
		for _, e := range errs {
			if e.Field == "" || e.Field[0] != '/' || e.Reason == "" {
				t.Fatalf("field error %+v", e)
			}
		}
		if errs != nil {
			return
		}
		in := base
		in.Settings = s
		in.Memory = strategy.Memory{Queues: map[string]strategy.QueueMemory{"billing": {GapStreak: 5}, "sales": {GapStreak: 5}}}
		checkDecision(t, in, strategy.Decide(in))
	})
}

// FuzzDecide decodes a whole input (as the steering or the simulator might build it, figures out
// of range included) and decides: never a panic, and the invariants hold.
func FuzzDecide(f *testing.F) {
	in := strategy.Input{Now: t0, Settings: strategy.Defaults(), Queues: []strategy.Observation{spike(), withForecast(voiceQueue("sales", 2, 400), 100, 900)}}
	b, _ := json.Marshal(in)
	f.Add(b)
	b, _ = json.Marshal(randomInput(rand.New(rand.NewPCG(1, 2)), 3))
	f.Add(b)
	f.Add([]byte(`{"now":"2025-06-03T10:00:00Z","settings":{},"queues":[{"queue":"q","channels":[{"channel":"voice","waiting":9223372036854775807,"busy":-4,"capacity":-1,"arrivals_per_hour":1e308,"handle_seconds":-1}]}]}`))
	f.Add([]byte(`{"now":"2025-06-03T10:00:00Z","queues":[{"queue":"q","target_percent":100,"target_seconds":-5,"channels":[{"channel":"chat","available":3,"capacity":1000000,"arrivals_per_hour":50,"forecast":[{"start":"2025-06-03T10:30:00Z","end":"2025-06-03T10:30:00Z","calls":5}]}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in strategy.Input
		if err := json.Unmarshal(body, &in); err != nil {
			return
		}
		if len(in.Queues) > 10 || len(in.Active) > 30 || len(in.Overrides) > 30 {
			return
		}
		for _, o := range in.Queues {
			n := 0
			for _, v := range o.Channels {
				n += len(v.Forecast)
			}
			if len(o.Channels) > 4 || n > 100 {
				return
			}
		}
		if errs := in.Settings.WithDefaults().Check(); errs != nil {
			return // the steering stores checked settings only
		}
		checkDecision(t, in, strategy.Decide(in))
	})
}
