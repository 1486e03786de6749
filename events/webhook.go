package events

// WebhookEndpointChanged (webhook.endpoint.changed) records that a tenant's webhook endpoint was
// created, updated, had its signing secret rotated, or was deleted. The subject is the endpoint's
// id, so one endpoint's changes keep their order. No secret is ever in it.
type WebhookEndpointChanged struct {
	// EndpointID is the endpoint's id, e.g. "we_…".
	EndpointID string `json:"endpoint_id" jsonschema:"minLength=1,maxLength=64"`
	// Change is what happened to it.
	Change WebhookEndpointChange `json:"change"`
	// Version is the endpoint's version after the change; 0 after a delete.
	Version int64 `json:"version" jsonschema:"minimum=0"`
	// ChangedBy is the id of the key that made the change.
	ChangedBy string `json:"changed_by" jsonschema:"minLength=1,maxLength=128"`
}

// WebhookEndpointChange is what happened to a webhook endpoint.
type WebhookEndpointChange string

// Webhook endpoint changes.
const (
	WebhookEndpointCreated       WebhookEndpointChange = "created"
	WebhookEndpointUpdated       WebhookEndpointChange = "updated"
	WebhookEndpointSecretRotated WebhookEndpointChange = "secret_rotated"
	WebhookEndpointDeleted       WebhookEndpointChange = "deleted"
)
