package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lingxi/lingxi/shared/tenant"
)

// sentinels are the permanent errors every failure of Decode, Validate, New and DataAs wraps.
var sentinels = []error{ErrMalformed, ErrUnknownType, ErrUnknownVersion, ErrMissingTenant, ErrInvalidData, ErrTypeMismatch}

// checkSentinel fails t unless err wraps want and no other sentinel.
func checkSentinel(t *testing.T, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", want)
	}
	for _, s := range sentinels {
		if got := errors.Is(err, s); got != (s == want) {
			t.Fatalf("errors.Is(%q, %v) = %v", err, s, got)
		}
	}
}

// readExample returns examples/<typ>.json.
func readExample(t testing.TB, typ string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("examples", typ+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mutated returns the example of typ as JSON after f has changed its envelope (env) or its payload
// (data) in place.
func mutated(t testing.TB, typ string, f func(env, data map[string]any)) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(readExample(t, typ)))
	dec.UseNumber()
	var env map[string]any
	if err := dec.Decode(&env); err != nil {
		t.Fatal(err)
	}
	f(env, env["data"].(map[string]any))
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameJSON reports whether a and b are the same JSON value (numbers compared as written).
func sameJSON(a, b []byte) bool {
	parse := func(b []byte) (any, error) {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var v any
		err := dec.Decode(&v)
		return v, err
	}
	va, errA := parse(a)
	vb, errB := parse(b)
	return errA == nil && errB == nil && reflect.DeepEqual(va, vb)
}

// sameEnvelope reports whether a and b carry the same event.
func sameEnvelope(a, b Envelope) bool {
	return a.ID == b.ID && a.Type == b.Type && a.Version == b.Version && a.Tenant == b.Tenant &&
		a.Source == b.Source && a.Time.Equal(b.Time) && a.Subject == b.Subject && sameJSON(a.Data, b.Data)
}

// TestExamples decodes every example strictly, round-trips it, and checks that its payload is
// exactly what its Go type encodes (no field the type would drop or reshape).
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("examples/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, f := range files {
		have = append(have, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	if !slices.Equal(have, Types()) {
		t.Fatalf("examples %v, want one per registered type %v", have, Types())
	}
	for _, typ := range have {
		t.Run(typ, func(t *testing.T) {
			e, err := Decode(readExample(t, typ))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if want, _ := CurrentVersion(typ); e.Type != typ || e.Version != want || e.Tenant != "demo" {
				t.Fatalf("got type %q version %d tenant %q, want %q %d %q", e.Type, e.Version, e.Tenant, typ, want, "demo")
			}
			if err := Validate(e); err != nil {
				t.Fatalf("Validate(Decode(example)): %v", err)
			}

			out, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Decode(out)
			if err != nil {
				t.Fatalf("Decode(encode(Decode(example))): %v", err)
			}
			if !sameEnvelope(e, again) {
				t.Fatalf("round trip changed the event:\n%+v\n%+v", e, again)
			}

			ent := registry[typ]
			v := reflect.New(ent.goType).Interface()
			if err := decodeData(typ, ent, e.Data, v); err != nil {
				t.Fatal(err)
			}
			enc, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if !sameJSON(enc, e.Data) {
				t.Fatalf("payload does not survive its Go type:\nexample %s\nGo type %s", e.Data, enc)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := map[string]struct {
		in     []byte
		want   error
		detail string // a part of the error text that says what was wrong
	}{
		"malformed JSON": {[]byte(`{"id":`), ErrMalformed, "not JSON"},
		"empty input":    {nil, ErrMalformed, "not JSON"},
		"JSON null":      {[]byte(`null`), ErrMalformed, "not a JSON object"},
		"JSON array":     {[]byte(`[]`), ErrMalformed, "not a JSON object"},
		"trailing data":  {append(readExample(t, TypeChatMessage), `{}`...), ErrMalformed, "not JSON"},
		"unknown envelope field": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { env["trace"] = "x" }), ErrMalformed, `"trace"`},
		"envelope field in another case": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { env["Subject"] = env["subject"]; delete(env, "subject") }),
			ErrMalformed, "Subject"},
		"version as string": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { env["version"] = "1" }), ErrMalformed, "version"},
		"empty id": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { env["id"] = "" }), ErrMalformed, "/id"},
		"missing subject": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { delete(env, "subject") }), ErrMalformed, "subject"},
		"subject too long": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { env["subject"] = strings.Repeat("s", 129) }), ErrMalformed, "/subject"},
		"missing time": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { delete(env, "time") }), ErrMalformed, "time"},
		"time not RFC 3339": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { env["time"] = "2025-06-03 09:13:41" }), ErrMalformed, "time"},
		"missing data": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { delete(env, "data") }), ErrMalformed, "data"},
		"unknown type": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { env["type"] = "chat.reaction" }), ErrUnknownType, "chat.reaction"},
		"missing type": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { delete(env, "type") }), ErrUnknownType, `""`},
		"unknown version": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { env["version"] = 2 }), ErrUnknownVersion, "version 2"},
		"missing version": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { delete(env, "version") }), ErrUnknownVersion, "version 0"},
		"missing tenant": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { delete(env, "tenant") }), ErrMissingTenant, "empty"},
		"null tenant": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { env["tenant"] = nil }), ErrMissingTenant, "empty"},
		"invalid tenant": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { env["tenant"] = "Demo Corp" }), ErrMissingTenant, "character"},
		"tenant too long": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { env["tenant"] = strings.Repeat("a", 65) }), ErrMissingTenant, "length"},
		"data not an object": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { env["data"] = []any{} }), ErrInvalidData, "object"},
		"null data": {
			mutated(t, TypeChatMessage, func(env, _ map[string]any) { env["data"] = nil }), ErrInvalidData, "object"},
		"wrong enum": {
			mutated(t, TypeChatMessage, func(_, data map[string]any) { data["role"] = "robot" }), ErrInvalidData, "/role"},
		"missing required data field": {
			mutated(t, TypeChatMessage, func(_, data map[string]any) { delete(data, "text") }), ErrInvalidData, "'text'"},
		"unknown data field": {
			mutated(t, TypeChatMessage, func(_, data map[string]any) { data["sentiment"] = "angry" }), ErrInvalidData, "sentiment"},
		"data field in another case": {
			mutated(t, TypeChatMessage, func(_, data map[string]any) { data["Text"] = data["text"]; delete(data, "text") }),
			ErrInvalidData, "Text"},
		"confidence above 1": {
			mutated(t, TypeChatMessage, func(_, data map[string]any) { data["confidence"] = 1.5 }), ErrInvalidData, "/confidence"},
		"csat above range": {
			mutated(t, TypeFeedbackSubmitted, func(_, data map[string]any) { data["csat"] = 6 }), ErrInvalidData, "/csat"},
		"csat below range": {
			mutated(t, TypeFeedbackSubmitted, func(_, data map[string]any) { data["csat"] = 0 }), ErrInvalidData, "/csat"},
		"csat not an integer": {
			mutated(t, TypeFeedbackSubmitted, func(_, data map[string]any) { data["csat"] = 4.5 }), ErrInvalidData, "/csat"},
		"nps above range": {
			mutated(t, TypeFeedbackSubmitted, func(_, data map[string]any) { data["nps"] = 11 }), ErrInvalidData, "/nps"},
		"feedback without any answer": {
			mutated(t, TypeFeedbackSubmitted, func(_, data map[string]any) {
				delete(data, "csat")
				delete(data, "nps")
				delete(data, "comment")
			}), ErrInvalidData, "csat"},
		"dtmf digit not a key": {
			mutated(t, TypeCallDTMF, func(_, data map[string]any) { data["digit"] = "E" }), ErrInvalidData, "/digit"},
		"dtmf two digits": {
			mutated(t, TypeCallDTMF, func(_, data map[string]any) { data["digit"] = "12" }), ErrInvalidData, "/digit"},
		"negative duration": {
			mutated(t, TypeCallEnded, func(_, data map[string]any) { data["duration_ms"] = -1 }), ErrInvalidData, "/duration_ms"},
		"duration in exponent form": {
			mutated(t, TypeCallEnded, func(_, data map[string]any) { data["duration_ms"] = json.Number("2e5") }), ErrInvalidData, "duration_ms"},
		"utterance ends before it starts": {
			mutated(t, TypeCallUtterance, func(_, data map[string]any) { data["end_ms"] = 100 }), ErrInvalidData, "end_ms"},
		"wrong handoff reason": {
			mutated(t, TypeContactCreated, func(_, data map[string]any) { data["reason"] = "bored" }), ErrInvalidData, "/reason"},
		"transcript turn without time": {
			mutated(t, TypeContactCreated, func(_, data map[string]any) {
				delete(data["transcript"].([]any)[0].(map[string]any), "time")
			}), ErrInvalidData, "/transcript/0"},
		"attribute not a string": {
			mutated(t, TypeBusinessEvent, func(_, data map[string]any) { data["attributes"].(map[string]any)["amount"] = 129.9 }),
			ErrInvalidData, "/attributes/amount"},
		"business kind not snake_case": {
			mutated(t, TypeBusinessEvent, func(_, data map[string]any) { data["kind"] = "Payment Failed" }), ErrInvalidData, "/kind"},
		"payload time not RFC 3339": {
			mutated(t, TypeBusinessEvent, func(_, data map[string]any) { data["occurred_at"] = "yesterday" }), ErrInvalidData, "/occurred_at"},
		"wrong call direction": {
			mutated(t, TypeCallStarted, func(_, data map[string]any) { data["direction"] = "sideways" }), ErrInvalidData, "/direction"},
		"wrong outcome": {
			mutated(t, TypeContactEnded, func(_, data map[string]any) { data["outcome"] = "solved" }), ErrInvalidData, "/outcome"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e, err := Decode(tc.in)
			checkSentinel(t, err, tc.want)
			if !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("error %q does not say %q", err, tc.detail)
			}
			if !reflect.DeepEqual(e, Envelope{}) {
				t.Errorf("Decode returned %+v with its error, want the zero Envelope", e)
			}
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	tests := map[string][]byte{
		"tenant of 64 characters": mutated(t, TypeChatMessage, func(env, _ map[string]any) { env["tenant"] = "t-" + strings.Repeat("0", 62) }),
		"time with an offset":     mutated(t, TypeChatMessage, func(env, _ map[string]any) { env["time"] = "2025-06-03T17:13:41+08:00" }),
		"feedback with only a comment": mutated(t, TypeFeedbackSubmitted, func(_, data map[string]any) {
			delete(data, "csat")
			delete(data, "nps")
		}),
		"feedback with only nps 0": mutated(t, TypeFeedbackSubmitted, func(_, data map[string]any) {
			delete(data, "csat")
			delete(data, "comment")
			data["nps"] = 0
		}),
		"dtmf star": mutated(t, TypeCallDTMF, func(_, data map[string]any) { data["digit"] = "*" }),
		"dtmf D":    mutated(t, TypeCallDTMF, func(_, data map[string]any) { data["digit"] = "D" }),
		"anonymous contact": mutated(t, TypeContactCreated, func(_, data map[string]any) {
			delete(data, "customer_id")
			delete(data, "attributes")
			delete(data, "transcript")
		}),
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Decode(in); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestValidateRejects(t *testing.T) {
	valid, err := Decode(readExample(t, TypeCallEnded))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		change func(e *Envelope)
		want   error
	}{
		"zero time":       {func(e *Envelope) { e.Time = time.Time{} }, ErrMalformed},
		"year past 9999":  {func(e *Envelope) { e.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, ErrMalformed},
		"nil data":        {func(e *Envelope) { e.Data = nil }, ErrMalformed},
		"empty source":    {func(e *Envelope) { e.Source = "" }, ErrMalformed},
		"data not JSON":   {func(e *Envelope) { e.Data = json.RawMessage(`{"call_id":`) }, ErrInvalidData},
		"data JSON null":  {func(e *Envelope) { e.Data = json.RawMessage(`null`) }, ErrInvalidData},
		"empty tenant":    {func(e *Envelope) { e.Tenant = "" }, ErrMissingTenant},
		"unknown type":    {func(e *Envelope) { e.Type = "call.parked" }, ErrUnknownType},
		"unknown version": {func(e *Envelope) { e.Version = 0 }, ErrUnknownVersion},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := valid
			tc.change(&e)
			checkSentinel(t, Validate(e), tc.want)
		})
	}
}

func TestInvalidTenantWrapsTenantErrInvalid(t *testing.T) {
	_, err := Decode(mutated(t, TypeChatMessage, func(env, _ map[string]any) { env["tenant"] = "-demo" }))
	if !errors.Is(err, tenant.ErrInvalid) {
		t.Fatalf("error %v does not wrap tenant.ErrInvalid", err)
	}
}

// TestNewPassesDecode builds every type's example payload with New and checks that what goes on
// the stream decodes to the same event.
func TestNewPassesDecode(t *testing.T) {
	demo, err := tenant.Parse("demo")
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range Types() {
		t.Run(typ, func(t *testing.T) {
			ex, err := Decode(readExample(t, typ))
			if err != nil {
				t.Fatal(err)
			}
			ent := registry[typ]
			payload := reflect.New(ent.goType)
			if err := decodeData(typ, ent, ex.Data, payload.Interface()); err != nil {
				t.Fatal(err)
			}
			before := time.Now()
			for _, data := range []any{payload.Interface(), payload.Elem().Interface()} { // *T and T
				e, err := New(demo, typ, ex.Subject, ex.Source, data)
				if err != nil {
					t.Fatalf("New(%T): %v", data, err)
				}
				if e.Version != ent.version || e.Tenant != "demo" || e.Time.Location() != time.UTC || e.Time.Before(before.Add(-time.Second)) {
					t.Fatalf("New filled version %d tenant %q time %v", e.Version, e.Tenant, e.Time)
				}
				if !sameJSON(e.Data, ex.Data) {
					t.Fatalf("New data %s, want %s", e.Data, ex.Data)
				}
				b, err := json.Marshal(e)
				if err != nil {
					t.Fatal(err)
				}
				got, err := Decode(b)
				if err != nil {
					t.Fatalf("Decode(New(...)): %v", err)
				}
				if !sameEnvelope(got, e) {
					t.Fatalf("Decode(New(...)) = %+v, want %+v", got, e)
				}
			}
		})
	}
}

func TestNewIDs(t *testing.T) {
	demo, _ := tenant.Parse("demo")
	seen := map[string]bool{}
	for range 1000 {
		e, err := New(demo, TypeCallDTMF, "call-1", "media-edge", CallDTMF{CallID: "call-1", Digit: "5", DurationMS: 120})
		if err != nil {
			t.Fatal(err)
		}
		id, err := uuid.Parse(e.ID)
		if err != nil || id.Version() != 7 {
			t.Fatalf("id %q is not a UUIDv7 (%v)", e.ID, err)
		}
		if seen[e.ID] {
			t.Fatalf("id %s repeated", e.ID)
		}
		seen[e.ID] = true
	}
}

func TestNewRejects(t *testing.T) {
	demo, _ := tenant.Parse("demo")
	csat := 9
	tests := map[string]struct {
		t       tenant.ID
		typ     string
		subject string
		data    any
		want    error
	}{
		"zero tenant":             {tenant.ID{}, TypeChatMessage, "cv-1", ChatMessage{}, ErrMissingTenant},
		"unknown type":            {demo, "chat.reaction", "cv-1", ChatMessage{}, ErrUnknownType},
		"payload of another type": {demo, TypeChatMessage, "cv-1", CallDTMF{CallID: "c", Digit: "1"}, ErrTypeMismatch},
		"nil payload":             {demo, TypeChatMessage, "cv-1", nil, ErrTypeMismatch},
		"raw JSON payload":        {demo, TypeChatMessage, "cv-1", json.RawMessage(`{}`), ErrTypeMismatch},
		"nil payload pointer":     {demo, TypeChatMessage, "cv-1", (*ChatMessage)(nil), ErrInvalidData},
		"csat out of range":       {demo, TypeFeedbackSubmitted, "ct-1", FeedbackSubmitted{ContactID: "ct-1", CSAT: &csat}, ErrInvalidData},
		"zero enum":               {demo, TypeChatMessage, "cv-1", ChatMessage{ConversationID: "cv-1", Channel: ChannelChat, Text: "hi"}, ErrInvalidData},
		"NaN confidence": {demo, TypeChatMessage, "cv-1",
			ChatMessage{ConversationID: "cv-1", Channel: ChannelChat, Role: RoleCustomer, Text: "hi", Confidence: math.NaN()}, ErrInvalidData},
		"empty subject": {demo, TypeCallDTMF, "", CallDTMF{CallID: "c", Digit: "1"}, ErrMalformed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e, err := New(tc.t, tc.typ, tc.subject, "test", tc.data)
			checkSentinel(t, err, tc.want)
			if !reflect.DeepEqual(e, Envelope{}) {
				t.Errorf("New returned %+v with its error", e)
			}
		})
	}
}

func TestDataAs(t *testing.T) {
	e, err := Decode(readExample(t, TypeFeedbackSubmitted))
	if err != nil {
		t.Fatal(err)
	}
	fb, err := DataAs[FeedbackSubmitted](e)
	if err != nil {
		t.Fatal(err)
	}
	if fb.ContactID != e.Subject || fb.CSAT == nil || *fb.CSAT != 4 || fb.NPS == nil || *fb.NPS != 8 {
		t.Fatalf("DataAs = %+v", fb)
	}

	t.Run("another Go type", func(t *testing.T) {
		_, err := DataAs[ChatMessage](e)
		checkSentinel(t, err, ErrTypeMismatch)
	})
	t.Run("pointer Go type", func(t *testing.T) {
		_, err := DataAs[*FeedbackSubmitted](e)
		checkSentinel(t, err, ErrTypeMismatch)
	})
	t.Run("unknown version", func(t *testing.T) {
		e := e
		e.Version = 2
		_, err := DataAs[FeedbackSubmitted](e)
		checkSentinel(t, err, ErrUnknownVersion)
	})
	t.Run("invalid data built by hand", func(t *testing.T) {
		e := e
		e.Data = json.RawMessage(`{"contact_id":"ct-1","csat":6}`)
		_, err := DataAs[FeedbackSubmitted](e)
		checkSentinel(t, err, ErrInvalidData)
	})
	t.Run("unknown field built by hand", func(t *testing.T) {
		e := e
		e.Data = json.RawMessage(`{"contact_id":"ct-1","csat":3,"mood":"ok"}`)
		_, err := DataAs[FeedbackSubmitted](e)
		checkSentinel(t, err, ErrInvalidData)
	})
}

func TestTenantID(t *testing.T) {
	e, err := Decode(readExample(t, TypeTenantCreated))
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.TenantID()
	if err != nil || id.String() != "demo" {
		t.Fatalf("TenantID() = %v, %v", id, err)
	}
	e.Tenant = "Demo"
	_, err = e.TenantID()
	checkSentinel(t, err, ErrMissingTenant)
}

func TestPartitionKey(t *testing.T) {
	e, err := Decode(readExample(t, TypeCallStarted))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e.PartitionKey(), "demo#call-5b1e0d7c"; got != want {
		t.Fatalf("PartitionKey() = %q, want %q", got, want)
	}
}

func TestSchemasCompile(t *testing.T) {
	set, err := schemas()
	if err != nil {
		t.Fatal(err)
	}
	if len(set.data) != len(registry) {
		t.Fatalf("%d data schemas for %d types", len(set.data), len(registry))
	}
}

// TestConcurrentUse runs the codec from several goroutines, for the race detector: a Lambda
// consumer may decode records concurrently against the one compiled schema set.
func TestConcurrentUse(t *testing.T) {
	demo, _ := tenant.Parse("demo")
	done := make(chan error)
	for _, typ := range Types() {
		b := readExample(t, typ)
		go func() {
			e, err := Decode(b)
			if err == nil {
				_, err = New(demo, TypeCallDTMF, "call-1", "test", CallDTMF{CallID: "call-1", Digit: "#"})
			}
			if err == nil {
				err = Validate(e)
			}
			done <- err
		}()
	}
	for range Types() {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
