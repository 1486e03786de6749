package events

// BotConfigChanged (bot.config.changed) records that a tenant admin changed the bot's
// configuration: intents, knowledge-base articles, flows or settings. One event per accepted
// request; a bulk import is one event listing every item it wrote. The envelope's subject is
// "botconfig", so a tenant's configuration changes stay in order. Readers (the chat function's
// caches) reload what changed; the event carries no content, and never a secret.
type BotConfigChanged struct {
	// Changes are the items written, in the order they were written.
	Changes []BotConfigChange `json:"changes" jsonschema:"minItems=1,maxItems=1000"`
	// ChangedBy is the id of the API key that made the change, or user/ and the id of a signed-in admin.
	ChangedBy string `json:"changed_by" jsonschema:"minLength=1,maxLength=128"`
}

// BotConfigChange is one item of a BotConfigChanged.
type BotConfigChange struct {
	// Kind is what sort of item changed.
	Kind BotConfigKind `json:"kind"`
	// ID is the item's id (a slug; "bot" for the settings).
	ID string `json:"id" jsonschema:"minLength=1,maxLength=64"`
	// Action is what happened to it.
	Action BotConfigAction `json:"action"`
	// Version is the item's version after the change; 0 when it was deleted.
	Version int64 `json:"version" jsonschema:"minimum=0"`
}

// BotConfigKind is a sort of bot configuration item.
type BotConfigKind string

// Bot configuration kinds.
const (
	BotConfigIntent   BotConfigKind = "intent"
	BotConfigArticle  BotConfigKind = "article"
	BotConfigFlow     BotConfigKind = "flow"
	BotConfigSettings BotConfigKind = "settings"
	// BotConfigCannedResponse: a canned response agents send (/v1/canned-responses).
	BotConfigCannedResponse BotConfigKind = "canned_response"
	// BotConfigQueue: an agent queue (/v1/queues).
	BotConfigQueue BotConfigKind = "queue"
)

// BotConfigAction is what happened to a bot configuration item.
type BotConfigAction string

// Bot configuration actions.
const (
	// BotConfigPut: created or replaced.
	BotConfigPut BotConfigAction = "put"
	// BotConfigDelete: deleted.
	BotConfigDelete BotConfigAction = "delete"
	// BotConfigSecretRotated: the settings' webhook signing secret was replaced (the secret itself
	// is never in an event).
	BotConfigSecretRotated BotConfigAction = "secret_rotated"
)

// NLUModelTrained (nlu.model.trained) records that a tenant's NLU model bundle (intent classifier
// and knowledge-base index) was trained and stored. The envelope's subject is "nlu", so a tenant's
// training and activation events stay in order.
type NLUModelTrained struct {
	// ModelVersion is the new model's version (sortable by training time).
	ModelVersion string `json:"model_version" jsonschema:"minLength=1,maxLength=64"`
	// Intents, Examples and Articles count what the model was trained on.
	Intents  int `json:"intents" jsonschema:"minimum=0"`
	Examples int `json:"examples" jsonschema:"minimum=0"`
	Articles int `json:"articles" jsonschema:"minimum=0"`
	// Accuracy and MacroF1 are the cross-validated figures of the training's evaluation report.
	Accuracy float64 `json:"accuracy" jsonschema:"minimum=0,maximum=1"`
	MacroF1  float64 `json:"macro_f1" jsonschema:"minimum=0,maximum=1"`
	// TrainedBy is the id of the API key that started the training, or user/ and the id of a signed-in admin.
	TrainedBy string `json:"trained_by" jsonschema:"minLength=1,maxLength=128"`
}

// NLUModelActivated (nlu.model.activated) records that the bot switched to a model version: the
// first model trained, or one an admin activated (a rollback activates an older one). The
// envelope's subject is "nlu".
type NLUModelActivated struct {
	// ModelVersion is the version now active.
	ModelVersion string `json:"model_version" jsonschema:"minLength=1,maxLength=64"`
	// Previous is the version active before; omitted for the tenant's first model.
	Previous string `json:"previous,omitempty" jsonschema:"maxLength=64"`
	// ActivatedBy is the id of the API key that activated it, or user/ and the id of a signed-in admin.
	ActivatedBy string `json:"activated_by" jsonschema:"minLength=1,maxLength=128"`
}
