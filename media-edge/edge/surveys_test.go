package edge

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// oneItem is a tenant's settings item as the table returns it (nil: never saved; err: the table
// fails).
type oneItem struct {
	item *botconfig.Settings
	err  error
}

func (o oneItem) Get(_ context.Context, _ tenant.ID, k store.Key, out any) (int64, error) {
	if k != settingsKey {
		return 0, errors.New("read another item")
	}
	if o.err != nil {
		return 0, o.err
	}
	if o.item == nil {
		return 0, store.ErrNotFound
	}
	b, err := json.Marshal(o.item)
	if err != nil {
		return 0, err
	}
	return 1, json.Unmarshal(b, out)
}

func TestVoiceSurveyIsTheBotSetting(t *testing.T) {
	demo, err := tenant.Parse("demo")
	if err != nil {
		t.Fatal(err)
	}
	broken := errors.New("table down")
	cases := map[string]struct {
		get  oneItem
		want bool
		err  error
	}{
		"never saved":     {oneItem{}, false, nil},
		"saved without":   {oneItem{item: &botconfig.Settings{DefaultQueue: "general"}}, false, nil},
		"chat only":       {oneItem{item: &botconfig.Settings{Survey: botconfig.SurveySettings{Chat: true, NPS: true}}}, false, nil},
		"voice":           {oneItem{item: &botconfig.Settings{Survey: botconfig.SurveySettings{Voice: true}}}, true, nil},
		"the table fails": {oneItem{err: broken}, false, broken},
	}
	for name, tc := range cases {
		got, err := botSurveys{tc.get}.VoiceSurvey(context.Background(), demo)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, %v", name, got, err)
		}
	}
}
