package edge

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/lingxi/lingxi/shared/egress"
)

// resolver answers names from a table; no query leaves the process (and Resolve never dials:
// the addresses below are only judged).
type resolver map[string][]netip.Addr

func (r resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

func TestTransferTargetsAreCheckedWhenDialled(t *testing.T) {
	s := sipTargets{policy: egress.Policy{LoopbackPorts: []uint16{5070}}, resolver: resolver{
		"pbx.example.com":     {netip.MustParseAddr("9.9.9.7")},
		"rebound.example.com": {netip.MustParseAddr("10.0.0.5")},
		"v6.example.com":      {netip.MustParseAddr("2606:4700::7")},
	}}
	cases := map[string]struct{ target, want string }{
		"an account is dialled where it registered": {"account:agent1", "account:agent1"},
		"a public address as it is":                 {"sip:queue@9.9.9.9:5080", "sip:queue@9.9.9.9:5080"},
		"a name is dialled at the address checked":  {"sip:cards@pbx.example.com;transport=tcp", "sip:cards@9.9.9.7;transport=tcp"},
		"no user":                          {"sip:pbx.example.com:5062", "sip:9.9.9.7:5062"},
		"IPv6 in brackets":                 {"sips:desk@v6.example.com", "sips:desk@[2606:4700::7]"},
		"the local stack's softphone port": {"sip:agent@127.0.0.1:5070", "sip:agent@127.0.0.1:5070"},
	}
	for name, tc := range cases {
		got, err := s.Resolve(context.Background(), tc.target)
		if err != nil || got != tc.want {
			t.Errorf("%s: Resolve(%q) = %q, %v; want %q", name, tc.target, got, err, tc.want)
		}
	}
	for name, target := range map[string]string{
		"a name that now points inside": "sip:cards@rebound.example.com",
		"another loopback port":         "sip:agent@127.0.0.1:5060",
		"a private address":             "sip:pbx@192.168.1.20",
		"a name that does not resolve":  "sip:cards@nowhere.example.com",
		"not a target":                  "tel:+8613800138000",
	} {
		if got, err := s.Resolve(context.Background(), target); err == nil {
			t.Errorf("%s: Resolve(%q) = %q, want a refusal", name, target, got)
		}
	}
}
