package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"time"

	"github.com/google/uuid"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/lingxi/lingxi/shared/tenant"
)

// checker is implemented by payloads with rules that JSON Schema cannot state, such as one field
// not being before another. It runs after the schema and the strict decode have passed.
type checker interface {
	check() error
}

// New builds an event of type typ for tenant t about subject, from producer source. data is the
// type's payload struct (a value or a pointer). New fills a fresh UUIDv7 id, the type's current
// version and the time (UTC now), and validates the result as Decode would, so an event from New
// always passes Decode.
func New(t tenant.ID, typ, subject, source string, data any) (Envelope, error) {
	if t.IsZero() {
		return Envelope{}, fmt.Errorf("%w: zero tenant.ID", ErrMissingTenant)
	}
	ent, ok := registry[typ]
	if !ok {
		return Envelope{}, fmt.Errorf("%w %q", ErrUnknownType, typ)
	}
	dt := reflect.TypeOf(data)
	if dt != nil && dt.Kind() == reflect.Pointer {
		dt = dt.Elem()
	}
	if dt != ent.goType {
		return Envelope{}, fmt.Errorf("%w: New(%s) with a %v payload, want %v", ErrTypeMismatch, typ, dt, ent.goType)
	}
	raw, err := json.Marshal(data)
	if err != nil { // e.g. a NaN confidence
		return Envelope{}, fmt.Errorf("%w: %s: %w", ErrInvalidData, typ, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Envelope{}, fmt.Errorf("events: new event id: %w", err)
	}
	e := Envelope{
		ID:      id.String(),
		Type:    typ,
		Version: ent.version,
		Tenant:  t.String(),
		Source:  source,
		Time:    time.Now().UTC(),
		Subject: subject,
		Data:    raw,
	}
	if err := Validate(e); err != nil {
		return Envelope{}, err
	}
	return e, nil
}

// Decode reads one event as a consumer receives it: strict JSON of the envelope (unknown or
// miscased fields rejected, no trailing data), every envelope field present and valid, a known
// type at a known version, a valid tenant, and data valid against its type's schema and strictly
// decodable into its Go type. The error wraps ErrMalformed, ErrMissingTenant, ErrUnknownType,
// ErrUnknownVersion or ErrInvalidData, with the field and what was wrong.
func Decode(b []byte) (Envelope, error) {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return Envelope{}, fmt.Errorf("%w: not JSON: %w", ErrMalformed, err)
	}
	if _, ok := inst.(map[string]any); !ok {
		return Envelope{}, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	var e Envelope
	if err := strictUnmarshal(b, &e); err != nil {
		return Envelope{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if err := validate(e, inst); err != nil {
		return Envelope{}, err
	}
	return e, nil
}

// Validate applies Decode's checks to an envelope already in memory, e.g. one a producer built by
// hand or one about to be re-published.
func Validate(e Envelope) error {
	inst := map[string]any{
		"id":      e.ID,
		"type":    e.Type,
		"version": e.Version,
		"tenant":  e.Tenant,
		"source":  e.Source,
		"time":    e.Time.Format(time.RFC3339Nano),
		"subject": e.Subject,
	}
	if len(e.Data) > 0 {
		inst["data"] = nil // present; its content is checked against the type's schema
	}
	return validate(e, inst)
}

// validate checks e, whose JSON form is inst (parsed with jsonschema.UnmarshalJSON). The more
// specific sentinels are checked first, so a missing tenant is ErrMissingTenant rather than a
// missing property of the envelope schema.
func validate(e Envelope, inst any) error {
	if _, err := e.TenantID(); err != nil {
		return err
	}
	ent, err := lookup(e.Type, e.Version)
	if err != nil {
		return err
	}
	if e.Time.IsZero() {
		return fmt.Errorf("%w: time is missing", ErrMalformed)
	}
	set, err := schemas()
	if err != nil {
		return err
	}
	if err := set.envelope.Validate(inst); err != nil {
		return fmt.Errorf("%w: %s", ErrMalformed, schemaDetail(err))
	}
	return decodeData(e.Type, ent, e.Data, reflect.New(ent.goType).Interface())
}

// DataAs decodes e's payload into T, which must be the Go type registered for e's type (else
// ErrTypeMismatch). It checks the type and version are known and the payload is valid against its
// schema, and decodes strictly (unknown fields rejected), so it is safe on an envelope that did
// not come from Decode. It does not recheck the envelope's other fields.
func DataAs[T any](e Envelope) (T, error) {
	var zero T
	ent, err := lookup(e.Type, e.Version)
	if err != nil {
		return zero, err
	}
	if want := reflect.TypeFor[T](); want != ent.goType {
		return zero, fmt.Errorf("%w: DataAs[%v] on a %s event, whose payload is %v", ErrTypeMismatch, want, e.Type, ent.goType)
	}
	var v T
	if err := decodeData(e.Type, ent, e.Data, &v); err != nil {
		return zero, err
	}
	return v, nil
}

// decodeData validates data against typ's schema, then decodes it strictly into dst (a pointer to
// ent's Go type) and runs the type's own checks. Errors wrap ErrInvalidData.
func decodeData(typ string, ent entry, data json.RawMessage, dst any) error {
	set, err := schemas()
	if err != nil {
		return err
	}
	if len(data) == 0 {
		return fmt.Errorf("%w: %s v%d: data is missing", ErrInvalidData, typ, ent.version)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%w: %s v%d: not JSON: %w", ErrInvalidData, typ, ent.version, err)
	}
	if err := set.data[typ].Validate(inst); err != nil {
		return fmt.Errorf("%w: %s v%d: %s", ErrInvalidData, typ, ent.version, schemaDetail(err))
	}
	if err := strictUnmarshal(data, dst); err != nil {
		return fmt.Errorf("%w: %s v%d: %w", ErrInvalidData, typ, ent.version, err)
	}
	if c, ok := dst.(checker); ok {
		if err := c.check(); err != nil {
			return fmt.Errorf("%w: %s v%d: %w", ErrInvalidData, typ, ent.version, err)
		}
	}
	return nil
}

// strictUnmarshal decodes exactly one JSON value from b into v, rejecting unknown fields and
// trailing data.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
