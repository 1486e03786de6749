package edge

import (
	"context"
	"errors"

	"github.com/lingxi/lingxi/media-edge/call"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// settingsGetter reads one item of a tenant (store.Store).
type settingsGetter interface {
	Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error)
}

// botSurveys fits the tenant's bot settings (shared/botconfig, written by PUT /v1/bot/settings and
// read by the chat function from the same table) to the call's Surveys.
type botSurveys struct{ db settingsGetter }

var _ call.Surveys = botSurveys{}

var settingsKey = store.Key{Kind: botconfig.KindSettings, ID: botconfig.SettingsID}

// VoiceSurvey reports the setting survey.voice; a tenant that saved no settings asks nothing.
func (b botSurveys) VoiceSurvey(ctx context.Context, t tenant.ID) (bool, error) {
	var s botconfig.Settings
	_, err := b.db.Get(ctx, t, settingsKey, &s)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return s.Survey.Voice, nil
}
