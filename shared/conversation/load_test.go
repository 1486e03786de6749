package conversation

import (
	"context"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/tenant"
)

// The load phase gathers what the decision reads: the intents the conversation names (a handoff
// reads the last intent's queue), a picked suggestion and its flow, the running flow. A miss
// would show as an error or as the default queue.
func TestLoadGathersWhatDecideReads(t *testing.T) {
	for name, tc := range map[string]struct {
		lang  botconfig.Lang
		last  string
		in    Input
		state State
		queue string
		flow  string
	}{
		"zh person for the last intent": {botconfig.LangZH, "refund", Input{Text: "转人工"}, StateHandoff, "refunds", ""},
		"en person for the last intent": {botconfig.LangEN, "refund", Input{Text: "talk to a person"}, StateHandoff, "refunds", ""},
		"zh suggestion starts its flow": {botconfig.LangZH, "", Input{Suggestion: "coffee"}, StateActive, "", "coffee"},
		"en suggestion starts its flow": {botconfig.LangEN, "", Input{Suggestion: "card_lost"}, StateActive, "", "lock_card"},
	} {
		t.Run(name, func(t *testing.T) {
			ch := newChat(t, events.ChannelChat, tc.lang)
			ch.c.LastIntent = tc.last
			d, err := ch.s.turn(t.Context(), ch.ten, ch.c, ch.set, tc.in, ch.c.CreatedAt)
			if err != nil {
				t.Fatal(err)
			}
			if d.c.State != tc.state || d.c.Queue != tc.queue || d.c.Flow != tc.flow {
				t.Errorf("state %s queue %q flow %q (%q)", d.c.State, d.c.Queue, d.c.Flow, botSaid(d))
			}
		})
	}
}

// countingModels counts the turns that asked for the model.
type countingModels struct {
	ModelSource
	gets int
}

func (m *countingModels) Get(ctx context.Context, t tenant.ID) (Understander, string, error) {
	m.gets++
	return m.ModelSource.Get(ctx, t)
}

// A flow turn reads the running flow and never asks for the model; a turn the flow does not take
// asks once.
func TestAFlowTurnDoesNotUnderstand(t *testing.T) {
	for lang, says := range map[botconfig.Lang][3]string{
		botconfig.LangZH: {"我要咖啡", "大杯", "营业时间"},
		botconfig.LangEN: {"a coffee please", "large", "opening hours"},
	} {
		ch := newChat(t, events.ChannelChat, lang)
		ch.send(says[0])
		models := &countingModels{ModelSource: ch.s.models}
		ch.s.models = models
		if got := texts(ch.send(says[1])); !strings.Contains(got, map[botconfig.Lang]string{botconfig.LangZH: "请慢用", botconfig.LangEN: "Enjoy"}[lang]) || models.gets != 0 {
			t.Errorf("%s: %q, the model asked %d times", lang, got, models.gets)
		}
		if got := texts(ch.send(says[2])); !strings.Contains(got, "9:00") || models.gets != 1 {
			t.Errorf("%s: %q, the model asked %d times", lang, got, models.gets)
		}
	}
}
