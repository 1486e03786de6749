package turns

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/shared/tenant"
)

func TestEncode(t *testing.T) {
	acme, _ := tenant.Parse("acme")
	cases := map[string]struct {
		in   Input
		want string
	}{
		"answer": {Input{CallID: "c1", Caller: "+8613800000000", Dialled: "+862160001234", Language: "zh"},
			`{"kind":"voice.turn","tenant":"acme","call_id":"c1","caller":"+8613800000000","dialled":"+862160001234","language":"zh"}`},
		"speech":  {Input{CallID: "c1", Text: "lost card", Confidence: 0.5}, `{"kind":"voice.turn","tenant":"acme","call_id":"c1","text":"lost card","confidence":0.5}`},
		"keys":    {Input{CallID: "c1", DTMF: "1#"}, `{"kind":"voice.turn","tenant":"acme","call_id":"c1","dtmf":"1#"}`},
		"timeout": {Input{CallID: "c1", Confidence: 0.7}, `{"kind":"voice.turn","tenant":"acme","call_id":"c1"}`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := encode(acme, c.in)
			if err != nil || string(b) != c.want {
				t.Fatalf("%s %v\nwant %s", b, err, c.want)
			}
		})
	}
	if _, err := encode(acme, Input{CallID: "c1", Text: "a", DTMF: "1"}); !errors.Is(err, errTextAndDTMF) {
		t.Fatal(err)
	}
}

func TestDecode(t *testing.T) {
	r, err := decode([]byte(`{"conversation_id":"v1","actions":[{"type":"say","text":"Hi"},{"type":"gather","hints":["card"],"dtmf":true,"max_digits":4,"timeout_ms":8000},{"type":"transfer","queue":"cards"},{"type":"hangup"}],"state":"active","language":"en","new_field":1}`))
	if err != nil || len(r.Actions) != 4 || r.Actions[1].MaxDigits != 4 || r.Actions[1].Hints[0] != "card" || r.Actions[2].Queue != "cards" || r.Language != "en" {
		t.Fatalf("%+v %v", r, err)
	}
	if r, err := decode([]byte(`{"conversation_id":"v1","actions":null,"state":"ended"}`)); err != nil || r.Actions == nil {
		t.Fatalf("no actions: %+v %v", r, err)
	}
	_, err = decode([]byte(`{"error":{"type":"urn:lingxi:problem:validation","title":"The request is not valid","status":400,"errors":[{"field":"/dtmf","reason":"bad"}]}}`))
	var pe *Error
	if !errors.As(err, &pe) || pe.Status != 400 || pe.Fields[0].Field != "/dtmf" || pe.Temporary() {
		t.Fatalf("problem: %v", err)
	}
	for name, bad := range map[string]string{
		"not json": `nope`, "no id": `{"actions":[],"state":"active"}`, "state": `{"conversation_id":"v","state":"x"}`,
		"action":   `{"conversation_id":"v","state":"active","actions":[{"type":"dance"}]}`,
		"negative": `{"conversation_id":"v","state":"active","actions":[{"type":"gather","max_digits":-1}]}`,
		"two":      `{"conversation_id":"v","state":"active"} {}`, "empty error": `{"error":{}}`,
	} {
		if _, err := decode([]byte(bad)); !errors.Is(err, errBadAnswer) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestFunctionError(t *testing.T) {
	err := functionError("Unhandled", []byte(`{"errorType":"Sandbox.Timedout","errorMessage":"Task timed out"}`))
	if !errors.Is(err, ErrFunction) || !strings.Contains(err.Error(), "Sandbox.Timedout") {
		t.Fatal(err)
	}
	if err := functionError("Unhandled", []byte(`garbage`)); !errors.Is(err, ErrFunction) {
		t.Fatal(err)
	}
}

// The chat function's answer is read by decode: whatever it accepts is a reply the edge can act
// on (known state, known actions, no negative limits) or a problem with a type and status.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"conversation_id":"v1","actions":[{"type":"say","text":"Hi"},{"type":"gather","dtmf":true,"max_digits":1,"timeout_ms":8000}],"state":"active","language":"en"}`,
		`{"conversation_id":"v1","actions":[{"type":"say","text":"bye"},{"type":"hangup"}],"state":"ended"}`,
		`{"error":{"type":"urn:lingxi:problem:conflict","title":"x","status":409}}`, `{}`, `null`, `[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decode(b)
		var pe *Error
		switch {
		case errors.As(err, &pe):
			if pe.Type == "" || pe.Status == 0 {
				t.Fatalf("problem %+v", pe)
			}
		case err != nil:
			if !errors.Is(err, errBadAnswer) {
				t.Fatalf("error %v", err)
			}
		default:
			if r.ConversationID == "" || r.Actions == nil {
				t.Fatalf("reply %+v", r)
			}
			if _, err := json.Marshal(r); err != nil {
				t.Fatal(err)
			}
		}
	})
}
