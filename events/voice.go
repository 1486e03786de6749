package events

// VoiceConfigChanged (voice.config.changed) records that a tenant admin changed the telephony
// configuration: a number, a SIP trunk, a softphone account or a queue's voice transfer target.
// One event per accepted request. The envelope's subject is "voicecfg", so a tenant's telephony
// changes stay in order. It carries no content: never a password or its digest (HA1).
type VoiceConfigChanged struct {
	// Kind is what sort of item changed.
	Kind VoiceConfigKind `json:"kind"`
	// ID is the item's id: the E.164 number, the trunk's name, the account's username or the queue.
	ID string `json:"id" jsonschema:"minLength=1,maxLength=64"`
	// Action is what happened to it.
	Action VoiceConfigAction `json:"action"`
	// Version is the item's version after the change; 0 when it was deleted.
	Version int64 `json:"version" jsonschema:"minimum=0"`
	// ChangedBy is the id of the API key that made the change, or user/ and the id of a signed-in admin.
	ChangedBy string `json:"changed_by" jsonschema:"minLength=1,maxLength=128"`
}

// VoiceConfigKind is a sort of telephony configuration item.
type VoiceConfigKind string

// Telephony configuration kinds.
const (
	VoiceConfigNumber         VoiceConfigKind = "number"
	VoiceConfigTrunk          VoiceConfigKind = "trunk"
	VoiceConfigSIPAccount     VoiceConfigKind = "sip_account"
	VoiceConfigTransferTarget VoiceConfigKind = "transfer_target"
)

// VoiceConfigAction is what happened to a telephony configuration item.
type VoiceConfigAction string

// Telephony configuration actions.
const (
	// VoiceConfigPut: created or replaced.
	VoiceConfigPut VoiceConfigAction = "put"
	// VoiceConfigDelete: deleted.
	VoiceConfigDelete VoiceConfigAction = "delete"
)
