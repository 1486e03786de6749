package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/infra/emulators"
)

// Regression: Close used to end the goroutine locked to the thread that started child processes.
// Linux then killed every child that thread had forked, which could include the shared emulators
// (Pdeathsig belongs to the forking thread). Stacks come and go; the emulators stay up.
func TestCloseLeavesOtherChildProcessesAlone(t *testing.T) {
	e := emulators.ForTest(t)
	for range 3 {
		st, _ := startStack(t, "bench.yaml", nil)
		if _, err := st.Invoke(context.Background(), "Hello", []byte(`{"rawPath":"/hello"}`)); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	for _, u := range []string{e.DynamoDB, e.Kinesis, e.S3} {
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(u, "http://"), time.Second)
		if err != nil {
			t.Fatalf("emulator %s is gone: %v", u, err)
		}
		c.Close()
	}
}

func TestInvoke(t *testing.T) {
	st, _ := startStack(t, "bench.yaml", nil)
	ctx := context.Background()
	res, err := st.Invoke(ctx, "Hello", []byte(`{"version":"2.0","rawPath":"/x"}`))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(res.Payload, &out); err != nil || out.StatusCode != 200 || out.Body != "ok" || res.FunctionError != "" ||
		!res.ColdStart || res.RequestID == "" {
		t.Errorf("result %+v (%s): %v", res, res.Payload, err)
	}
	res, err = st.Invoke(ctx, "Hello", []byte(`not json`))
	if err != nil || res.FunctionError != "Unhandled" {
		t.Errorf("bad payload: %+v %v", res, err)
	}
	if _, err := st.Invoke(ctx, "Nope", nil); !errors.Is(err, errUnknownFunction) {
		t.Errorf("unknown function: %v", err)
	}
	if _, err := st.Invoke(ctx, "Hello", make([]byte, maxPayload+1)); !errors.Is(err, errPayloadTooLarge) {
		t.Errorf("7 MB payload: %v", err)
	}
}
