package handler

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

var settingsKey = store.Key{Kind: botconfig.KindSettings, ID: botconfig.SettingsID}

// WebhookSecretPrefix starts every webhook signing secret, so leaked ones are easy to scan for.
const WebhookSecretPrefix = "whsec_"

// settingsBody is the body of PUT /v1/bot/settings: the whole settings but the webhook secret,
// which only POST /v1/bot/webhook-secret sets.
type settingsBody struct {
	Greeting           botconfig.Text            `json:"greeting"`
	Fallback           botconfig.Text            `json:"fallback"`
	DefaultQueue       string                    `json:"default_queue"`
	HandoffRules       []botconfig.AttributeRule `json:"handoff_rules"`
	LowConfidenceTurns int                       `json:"low_confidence_turns"`
	IdleTimeoutSeconds int                       `json:"idle_timeout_seconds"`
	WebhookHosts       []string                  `json:"webhook_hosts"`
	VoiceMenu          []botconfig.MenuEntry     `json:"voice_menu" jsonschema:"maxItems=9"` // botconfig.MaxMenuEntries
	Survey             botconfig.SurveySettings  `json:"survey"`
}

// settingsOut is the settings as the API shows them: never the secret, only whether there is one.
// Version 0 means the tenant has not saved settings yet (the bot uses the defaults).
type settingsOut struct {
	botconfig.Settings
	WebhookSecretSet bool  `json:"webhook_secret_set"`
	Version          int64 `json:"version"`
}

func (api *API) getSettings(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	var s botconfig.Settings
	ver, err := api.currentVersion(ctx, p.Tenant, settingsKey, &s)
	if err != nil {
		return httpapi.Response{}, err
	}
	out := settingsOut{Settings: s, WebhookSecretSet: s.WebhookSecret != "", Version: ver}
	if ver == 0 {
		return httpapi.JSON(http.StatusOK, out), nil // nothing saved yet: no version to name
	}
	return httpapi.Response{Status: http.StatusOK, Body: out, Headers: etag(ver)}, nil
}

func (api *API) putSettings(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	pc, err := preconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	var body settingsBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	s := botconfig.Settings{Greeting: body.Greeting, Fallback: body.Fallback, DefaultQueue: body.DefaultQueue,
		HandoffRules: body.HandoffRules, LowConfidenceTurns: body.LowConfidenceTurns, WebhookHosts: body.WebhookHosts,
		IdleTimeoutSeconds: body.IdleTimeoutSeconds, VoiceMenu: body.VoiceMenu, Survey: body.Survey}
	s.Normalize()
	probs := s.Validate()
	menuProbs, err := api.checkMenuIntents(ctx, p.Tenant, s.VoiceMenu)
	if err != nil {
		return httpapi.Response{}, err
	}
	if probs = append(probs, menuProbs...); len(probs) > 0 {
		return httpapi.Response{}, invalid(probs)
	}
	var old botconfig.Settings
	current, err := api.currentVersion(ctx, p.Tenant, settingsKey, &old)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := checkPrecondition(pc, current, "the bot settings"); err != nil {
		return httpapi.Response{}, err
	}
	s.WebhookSecret = old.WebhookSecret // kept: only its own route changes it
	s.UpdatedAt = api.now().UTC()
	ev, err := configChanged(p, lxevents.BotConfigChange{Kind: lxevents.BotConfigSettings, ID: botconfig.SettingsID,
		Action: lxevents.BotConfigPut, Version: current + 1})
	if err != nil {
		return httpapi.Response{}, err
	}
	// Conditional on the version read, so a secret rotated meanwhile is never overwritten.
	if err := api.commit.Commit(ctx, []store.Op{store.PutOp(p.Tenant, settingsKey, s, current)}, ev); err != nil {
		return httpapi.Response{}, writeConflict(err, pc, "the bot settings")
	}
	ver := current + 1
	out := settingsOut{Settings: s, WebhookSecretSet: s.WebhookSecret != "", Version: ver}
	return httpapi.Response{Status: http.StatusOK, Body: out, Headers: etag(ver)}, nil
}

// checkMenuIntents refuses voice menu entries whose intent the tenant does not have (entries whose
// intent is not even a valid id were refused by Validate). The chat function treats a key whose
// intent was deleted since as a key the menu does not list.
func (api *API) checkMenuIntents(ctx context.Context, t tenant.ID, menu []botconfig.MenuEntry) (botconfig.Problems, error) {
	var p botconfig.Problems
	for i, e := range menu {
		if !botconfig.ValidID(e.Intent) || e.Intent == botconfig.OutOfScopeIntent {
			continue
		}
		v, err := api.currentVersion(ctx, t, intentKey(e.Intent), nil)
		if err != nil {
			return nil, err
		}
		if v == 0 {
			p.Add(fmt.Sprintf("/voice_menu/%d/intent", i), "no intent %q; create it first (PUT /v1/intents/%s)", e.Intent, e.Intent)
		}
	}
	return p, nil
}

// rotateWebhookSecret replaces the secret that signs flow webhook calls and returns it: the only
// time it is shown. The previous secret stops working at once.
func (api *API) rotateWebhookSecret(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if err := r.NoBody(); err != nil {
		return httpapi.Response{}, err
	}
	var s botconfig.Settings
	current, err := api.currentVersion(ctx, p.Tenant, settingsKey, &s)
	if err != nil {
		return httpapi.Response{}, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return httpapi.Response{}, fmt.Errorf("random webhook secret: %w", err)
	}
	s.WebhookSecret = WebhookSecretPrefix + base64.RawURLEncoding.EncodeToString(b)
	s.UpdatedAt = api.now().UTC()
	ev, err := configChanged(p, lxevents.BotConfigChange{Kind: lxevents.BotConfigSettings, ID: botconfig.SettingsID,
		Action: lxevents.BotConfigSecretRotated, Version: current + 1})
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commit.Commit(ctx, []store.Op{store.PutOp(p.Tenant, settingsKey, s, current)}, ev); err != nil {
		return httpapi.Response{}, writeConflict(err, precondition{}, "the bot settings")
	}
	return httpapi.Response{
		Status:  http.StatusOK,
		Body:    map[string]any{"webhook_secret": s.WebhookSecret, "version": current + 1},
		Headers: map[string]string{"Cache-Control": "no-store"},
	}, nil
}
