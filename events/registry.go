package events

import (
	"fmt"
	"reflect"
	"slices"
)

// Event type names: the envelope's type field. Each has a payload struct of the matching name and
// a line in registry.
const (
	TypeTenantCreated          = "tenant.created"
	TypeContactCreated         = "contact.created"
	TypeContactEnded           = "contact.ended"
	TypeChatMessage            = "chat.message"
	TypeCallStarted            = "call.started"
	TypeCallDTMF               = "call.dtmf"
	TypeCallUtterance          = "call.utterance"
	TypeCallEnded              = "call.ended"
	TypeCallAnswered           = "call.answered"
	TypeCallRejected           = "call.rejected"
	TypeCallBargeIn            = "call.barge_in"
	TypeCallTransferred        = "call.transferred"
	TypeBusinessEvent          = "business.event"
	TypeFeedbackSubmitted      = "feedback.submitted"
	TypeAPIKeyCreated          = "apikey.created"
	TypeAPIKeyRevoked          = "apikey.revoked"
	TypeBotConfigChanged       = "bot.config.changed"
	TypeNLUModelTrained        = "nlu.model.trained"
	TypeNLUModelActivated      = "nlu.model.activated"
	TypeTenantRecovered        = "tenant.recovered"
	TypeTenantPlanChanged      = "tenant.plan.changed"
	TypeWebhookEndpointChanged = "webhook.endpoint.changed"
	TypeVoiceConfigChanged     = "voice.config.changed"
	TypeUserChanged            = "user.changed"
	TypeAgentState             = "agent.state"
	TypeContactQueued          = "contact.queued"
	TypeContactOffered         = "contact.offered"
	TypeContactAssigned        = "contact.assigned"
	TypeContactAbandoned       = "contact.abandoned"
	TypeContactTransferred     = "contact.transferred"
	TypeDispatchDecided        = "dispatch.decided"
	TypeForecastPublished      = "forecast.published"
	TypeDispatchStrategy       = "dispatch.strategy"
	TypeCallDiverted           = "call.diverted"
	TypeQAViolation            = "qa.violation"
	TypeContactInspected       = "contact.inspected"
	TypeAlertRaised            = "alert.raised"
	TypeAlertChanged           = "alert.changed"
)

// registry maps each known type name to its current version and payload Go type. Adding a type is
// one line here, its constant and struct, `go generate ./events` for the schema, and an example in
// examples/. Changes to a payload are additive; a breaking change is a new version. Enums are
// named string types: the schema generator makes the constants of such a type its enum, and
// struct tags give ranges, lengths and patterns; a field is required unless tagged omitempty.
var registry = map[string]entry{
	TypeTenantCreated:          payload[TenantCreated](1),
	TypeContactCreated:         payload[ContactCreated](1),
	TypeContactEnded:           payload[ContactEnded](1),
	TypeChatMessage:            payload[ChatMessage](1),
	TypeCallStarted:            payload[CallStarted](1),
	TypeCallDTMF:               payload[CallDTMF](1),
	TypeCallUtterance:          payload[CallUtterance](1),
	TypeCallEnded:              payload[CallEnded](1),
	TypeCallAnswered:           payload[CallAnswered](1),
	TypeCallRejected:           payload[CallRejected](1),
	TypeCallBargeIn:            payload[CallBargeIn](1),
	TypeCallTransferred:        payload[CallTransferred](1),
	TypeBusinessEvent:          payload[BusinessEvent](1),
	TypeFeedbackSubmitted:      payload[FeedbackSubmitted](1),
	TypeAPIKeyCreated:          payload[APIKeyCreated](1),
	TypeAPIKeyRevoked:          payload[APIKeyRevoked](1),
	TypeBotConfigChanged:       payload[BotConfigChanged](1),
	TypeNLUModelTrained:        payload[NLUModelTrained](1),
	TypeNLUModelActivated:      payload[NLUModelActivated](1),
	TypeTenantRecovered:        payload[TenantRecovered](1),
	TypeTenantPlanChanged:      payload[TenantPlanChanged](1),
	TypeWebhookEndpointChanged: payload[WebhookEndpointChanged](1),
	TypeVoiceConfigChanged:     payload[VoiceConfigChanged](1),
	TypeUserChanged:            payload[UserChanged](1),
	TypeAgentState:             payload[AgentState](1),
	TypeContactQueued:          payload[ContactQueued](1),
	TypeContactOffered:         payload[ContactOffered](1),
	TypeContactAssigned:        payload[ContactAssigned](1),
	TypeContactAbandoned:       payload[ContactAbandoned](1),
	TypeContactTransferred:     payload[ContactTransferred](1),
	TypeDispatchDecided:        payload[DispatchDecided](1),
	TypeForecastPublished:      payload[ForecastPublished](1),
	TypeDispatchStrategy:       payload[DispatchStrategy](1),
	TypeCallDiverted:           payload[CallDiverted](1),
	TypeQAViolation:            payload[QAViolation](1),
	TypeContactInspected:       payload[ContactInspected](1),
	TypeAlertRaised:            payload[AlertRaised](1),
	TypeAlertChanged:           payload[AlertChanged](1),
}

// entry is one registered type: the version producers write and consumers accept, and the Go type
// of its payload.
type entry struct {
	version int
	goType  reflect.Type
}

func payload[T any](version int) entry {
	return entry{version: version, goType: reflect.TypeFor[T]()}
}

// Types returns the names of all registered event types, sorted.
func Types() []string {
	names := make([]string, 0, len(registry))
	for name := range registry {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// CurrentVersion returns the version of typ that New writes and Decode accepts, and false if typ
// is not registered.
func CurrentVersion(typ string) (int, bool) {
	ent, ok := registry[typ]
	return ent.version, ok
}

// lookup returns typ's registry entry if version is the one this build knows.
func lookup(typ string, version int) (entry, error) {
	ent, ok := registry[typ]
	if !ok {
		return entry{}, fmt.Errorf("%w %q", ErrUnknownType, typ)
	}
	if version != ent.version {
		return entry{}, fmt.Errorf("%w: %s version %d (this build knows version %d)",
			ErrUnknownVersion, typ, version, ent.version)
	}
	return ent, nil
}
