package events_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/tenant"
)

// A producer builds an event with New and puts it on the stream under its partition key.
func ExampleNew() {
	t, _ := tenant.Parse("demo") // in a handler: the id the auth package resolved
	e, err := events.New(t, events.TypeCallDTMF, "call-5b1e0d7c", "media-edge", events.CallDTMF{
		CallID:     "call-5b1e0d7c",
		Digit:      "2",
		DurationMS: 160,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	record, _ := json.Marshal(e) // the Kinesis record's data
	fmt.Println(e.Type, e.Version, e.PartitionKey(), len(record) > 0)
	// Output: call.dtmf 1 demo#call-5b1e0d7c true
}

// A consumer decodes each record, reports a permanent error as a failed item, and reads the
// payload with DataAs.
func ExampleDecode() {
	record := []byte(`{"id":"0197353d-e824-7e3b-8617-08614a38d716","type":"call.dtmf","version":1,
		"tenant":"demo","source":"media-edge","time":"2025-06-03T10:02:19.044Z",
		"subject":"call-5b1e0d7c","data":{"call_id":"call-5b1e0d7c","digit":"2","duration_ms":160}}`)
	e, err := events.Decode(record)
	if err != nil {
		fmt.Println("to the failure destination:", err)
		return
	}
	switch e.Type {
	case events.TypeCallDTMF:
		d, err := events.DataAs[events.CallDTMF](e)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(e.Tenant, d.CallID, d.Digit)
	}
	// Output: demo call-5b1e0d7c 2
}

// Every Decode error wraps a sentinel, so a consumer can tell what was wrong with errors.Is.
func ExampleDecode_unknownVersion() {
	_, err := events.Decode([]byte(`{"id":"e1","type":"call.dtmf","version":2,"tenant":"demo",
		"source":"media-edge","time":"2025-06-03T10:02:19Z","subject":"call-1","data":{}}`))
	fmt.Println(errors.Is(err, events.ErrUnknownVersion))
	fmt.Println(err)
	// Output:
	// true
	// events: unknown event version: call.dtmf version 2 (this build knows version 1)
}
