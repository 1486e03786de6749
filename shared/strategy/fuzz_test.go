package strategy_test

import (
	"bytes"
	"encoding/json"
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
