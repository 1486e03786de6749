package tenant

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := map[string]struct {
		in string
		ok bool
	}{
		"simple":        {"acme", true},
		"digits":        {"t-0042", true},
		"empty":         {"", false},
		"leading dash":  {"-acme", false},
		"upper":         {"Acme", false},
		"hash in id":    {"a#b", false},
		"too long":      {string(make([]byte, 65)), false},
		"max length ok": {"a123456789012345678901234567890123456789012345678901234567890123", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			id, err := Parse(tc.in)
			if tc.ok != (err == nil) {
				t.Fatalf("Parse(%q) err = %v, want ok=%v", tc.in, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			if tc.ok && id.String() != tc.in {
				t.Fatalf("String() = %q", id.String())
			}
		})
	}
	if !(ID{}).IsZero() {
		t.Fatal("zero ID not IsZero")
	}
}

// trustedParsers are the packages allowed to turn text into an ID: authentication, the event
// envelope, and the platform admin naming a new tenant. Anything else must receive an ID.
var trustedParsers = map[string]string{
	"shared/auth":           "resolves an API key to the tenant it belongs to",
	"events":                "reads the tenant of a validated envelope",
	"functions/api/handler": "the platform admin names a tenant it creates, recovers or re-plans",
	"shared/idlequeue": "reads the tenant of an idle check that only the chat and idle functions can send " +
		"(the queue's policy), and acts only on a conversation recorded under that tenant",
	"functions/train/handler": "reads the tenant of a job message that only the api function can send " +
		"(the queue's policy), and acts only on a job recorded under that tenant",
	"shared/webhooks/delivery": "reads the tenant of a delivery message that only the webhooks, deliver and api " +
		"functions can send (the queue's policy), and acts only on a delivery recorded under that tenant",
	"functions/chat/handler": "reads the tenant of a voice turn invoked directly, which only the media edge's task " +
		"role may do (template.yaml grants lambda:InvokeFunction on the chat function to that role alone); " +
		"the edge resolves the tenant from the dialled number, never from the caller",
	"shared/voicecfg": "reads the tenant of a platform mapping of a dialled number or a softphone username, " +
		"which only the api function writes, under the owning tenant's own authentication",
	"functions/dispatch/handler": "reads the tenant of a timer message that only the dispatch function can send " +
		"(its role alone may send to DispatchTimers), and acts only on contacts and agents recorded under that tenant",
	"shared/push": "reads the tenant of a platform record of a WebSocket connection, which only the agents function " +
		"writes at $connect, from the tenant of the token it authenticated",
	"shared/widget": "reads the tenant of a platform mapping of a widget id, which only the api function writes, " +
		"under the owning tenant's own authentication (as a dialled number's)",
	"functions/forecast/handler": "reads the tenant of a job invoked directly (a schedule's input or the local stack), " +
		"which only the template's schedules and operators may send; it only forecasts what is recorded under that tenant",
	"functions/feedback/handler": "reads the tenant of a job invoked directly (a schedule's input names none; an operator or the local stack " +
		"may name one), and of its own platform record of the tenants seen, written from event envelopes' tenants; it only " +
		"reads and builds what is recorded under that tenant",
	"functions/steer/handler": "reads the tenant of a one-tenant run invoked directly (an operator or the local stack), " +
		"which only operators may send (the schedule's input names none); it only decides what is recorded under that tenant",
	"shared/forecaststore": "reads the tenant of a platform record listing the tenants to forecast, which only the " +
		"forecast function (from an event envelope's tenant) and the api function (under the tenant's own authentication) write",
	"infra/devstack":   "the local stack seeds its demo tenant",
	"infra/cmd/run":    "the local stack seeds its demo tenant",
	"infra/cmd/lingxi": "operator tooling acting for a named tenant",
	"infra/bench":      "the benchmark's edge process answers calls of a tenant of its own making (no request names it)",
	"shared/tenant":    "defines Parse",
}

// Regression guard for DESIGN.md §5: a tenant never comes from a request body. Every non-test call
// of tenant.Parse must sit in a trusted package.
func TestParseOnlyInTrustedPackages(t *testing.T) {
	root := "../.."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !strings.Contains(string(b), "tenant.Parse(") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		for pkg := range trustedParsers {
			if rel == pkg || strings.HasPrefix(rel, pkg+string(filepath.Separator)) {
				return nil
			}
		}
		t.Errorf("%s calls tenant.Parse; tenants come from authentication or an event envelope", path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
