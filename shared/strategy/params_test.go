package strategy_test

import (
	"slices"
	"testing"

	"github.com/lingxi/lingxi/shared/strategy"
)

// An override's params: each out-of-range field is pointed at under the prefix; sound params
// and the defaults pass.
func TestParamsCheck(t *testing.T) {
	if fe := strategy.DefaultParams(strategy.Divert, strategy.Defaults(), spike()).Check("/params"); fe != nil {
		t.Fatalf("default divert params: %v", fe)
	}
	ok := strategy.Params{DivertShare: 0.3, DivertLink: "https://bank.example.com/help", CallbackAfterSeconds: 40, PromiseMinutes: 60,
		ExpectedWaitSeconds: 300, Agents: 2, Intents: []string{"balance"}, OverflowSkills: []string{"cards"}, Users: []string{"usr_1"}}
	if fe := ok.Check("/params"); fe != nil {
		t.Fatalf("sound params: %v", fe)
	}
	bad := strategy.Params{DivertShare: 1.5, DivertLink: "ftp://user:pw@host/x", CallbackAfterSeconds: -1, PromiseMinutes: 100000,
		ExpectedWaitSeconds: 1 << 40, Agents: -3, Intents: []string{""}, OverflowSkills: make([]string, 101), Users: []string{"u"}}
	var got []string
	for _, f := range bad.Check("/params") {
		got = append(got, f.Field)
	}
	want := []string{"/params/divert_share", "/params/divert_link", "/params/callback_after_seconds", "/params/promise_minutes",
		"/params/expected_wait_seconds", "/params/agents", "/params/intents/0", "/params/overflow_skills"}
	if !slices.Equal(got, want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
}
