package delivery

import (
	"encoding/json"
	"testing"
)

// FuzzParse: a queue message is decoded strictly; whatever Parse accepts re-encodes to a message
// Parse accepts with the same fields.
func FuzzParse(f *testing.F) {
	f.Add(`{"tenant":"acme","endpoint":"we_1","subject":"c","delivery":"d","attempt":0}`)
	f.Add(`{"tenant":"acme","endpoint":"we_1","subject":"c","delivery":"d","attempt":-1}`)
	f.Add(`{"tenant":"","endpoint":"","subject":"","delivery":""}`)
	f.Add(`{"tenant":"acme","endpoint":"we_1","subject":"c","delivery":"d","attempt":2,"busy":3}`)
	f.Add(`{"tenant":"acme","endpoint":"we_1","subject":"c","delivery":"d","attempt":0,"busy":-1}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		tid, m, err := Parse(body)
		if err != nil {
			return
		}
		if tid.String() != m.Tenant {
			t.Fatalf("tenant %s from %q", tid, m.Tenant)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, again, err := Parse(string(b)); err != nil || again != m {
			t.Fatalf("round trip: %+v %v", again, err)
		}
	})
}
