package sip

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/lingxi/lingxi/infra/logbuf"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// farTrunk is a trunk of the tenant that loopback is not part of.
var farTrunk = voicecfg.Trunk{Tenant: testTenant, Name: "carrier", CIDRs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}

func TestUnknownNumberIs404(t *testing.T) {
	e := startEdge(t, nil)
	p := newPhone(t, "udp", nil)
	uri := sip.Uri{Scheme: "sip", User: "+10000000000", Host: "127.0.0.1", Port: int(e.srv.Addr("udp").Port())}
	d, err := p.dialogs.Invite(testCtx(t), uri, offer(), sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		t.Fatal(err)
	}
	if got := status(t, d.WaitAnswer(testCtx(t), sipgo.AnswerOptions{})); got != 404 {
		t.Fatalf("status = %d", got)
	}
	if len(e.events.list()) != 0 {
		t.Fatalf("events for an unknown number: %v", e.events.list())
	}
}

func TestAuthorisation(t *testing.T) {
	tests := map[string]struct {
		trunks  []voicecfg.Trunk
		network string
		opts    sipgo.AnswerOptions
		from    string
		want    int
		event   string
		account string
	}{
		"trunk by source address": {
			trunks: []voicecfg.Trunk{{Tenant: testTenant, Name: "local", CIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}},
			want:   200,
		},
		"unauthorised source": {
			trunks: []voicecfg.Trunk{farTrunk},
			want:   403, event: ReasonSourceNotAllowed,
		},
		"trunk on the wrong transport": {
			trunks: []voicecfg.Trunk{{Tenant: testTenant, Name: "local", CIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Transport: "tcp"}},
			want:   403, event: ReasonTransportMismatch,
		},
		"trunk on its transport": {
			trunks:  []voicecfg.Trunk{{Tenant: testTenant, Name: "local", CIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Transport: "tcp"}},
			network: "tcp",
			want:    200,
		},
		"trunk with digest": {
			trunks: []voicecfg.Trunk{{Tenant: testTenant, Name: "local", CIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Username: "pbx", HA1: ha1("pbx", "pw")}},
			opts:   sipgo.AnswerOptions{Username: "pbx", Password: "pw"},
			want:   200,
		},
		"trunk with a wrong password": {
			trunks: []voicecfg.Trunk{{Tenant: testTenant, Name: "local", CIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Username: "pbx", HA1: ha1("pbx", "pw")}},
			opts:   sipgo.AnswerOptions{Username: "pbx", Password: "guess"},
			want:   403, event: ReasonAuthFailed,
		},
		"trunk with digest but no credentials": {
			trunks: []voicecfg.Trunk{{Tenant: testTenant, Name: "local", CIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Username: "pbx", HA1: ha1("pbx", "pw")}},
			want:   407,
		},
		"agent softphone": {
			trunks: []voicecfg.Trunk{farTrunk},
			from:   "alice",
			opts:   sipgo.AnswerOptions{Username: "alice", Password: testPassword},
			want:   200, account: "alice",
		},
		"agent softphone with a wrong password": {
			trunks: []voicecfg.Trunk{farTrunk},
			from:   "alice",
			opts:   sipgo.AnswerOptions{Username: "alice", Password: "nope"},
			want:   403, event: ReasonAuthFailed,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := startEdge(t, nil)
			e.dir.setTrunks(tc.trunks...)
			network := tc.network
			if network == "" {
				network = "udp"
			}
			p := newPhone(t, network, nil)
			var hdrs []sip.Header
			if tc.from != "" {
				fh := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: tc.from, Host: "127.0.0.1"}, Params: sip.NewParams()}
				fh.Params.Add("tag", sip.GenerateTagN(8))
				hdrs = append(hdrs, fh)
			}
			d, err := p.invite(testCtx(t), e, network, offer(), tc.opts, hdrs...)
			if got := status(t, err); got != tc.want {
				t.Fatalf("status = %d, want %d", got, tc.want)
			}
			if tc.event != "" && !slices.Contains(e.events.list(), "bank "+testNumber+" "+tc.event) {
				t.Fatalf("events = %v", e.events.list())
			}
			if tc.want == 200 {
				c := e.calls.next(t)
				if c.Account != tc.account {
					t.Fatalf("account = %q", c.Account)
				}
				if err := d.Bye(testCtx(t)); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestRepeatedFailuresBlockTheSource(t *testing.T) {
	e := startEdge(t, func(c *Config) { c.AuthFailures = 2 })
	e.dir.setTrunks(voicecfg.Trunk{Tenant: testTenant, Name: "local", CIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Username: "pbx", HA1: ha1("pbx", "pw")})
	p := newPhone(t, "udp", nil)
	for range 2 {
		_, err := p.invite(testCtx(t), e, "udp", offer(), sipgo.AnswerOptions{Username: "pbx", Password: "guess"})
		if got := status(t, err); got != 403 {
			t.Fatalf("wrong password: %d", got)
		}
	}
	// Blocked now: even the right password gets 403, with no challenge first.
	var seen []int
	uri := sip.Uri{Scheme: "sip", User: testNumber, Host: "127.0.0.1", Port: int(e.srv.Addr("udp").Port())}
	d, err := p.dialogs.Invite(testCtx(t), uri, offer(), sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		t.Fatal(err)
	}
	err = d.WaitAnswer(testCtx(t), sipgo.AnswerOptions{Username: "pbx", Password: "pw", OnResponse: func(r *sip.Response) error {
		seen = append(seen, r.StatusCode)
		return nil
	}})
	if got := status(t, err); got != 403 || slices.Contains(seen, 407) {
		t.Fatalf("blocked source: %d after %v", got, seen)
	}
	if e.srv.block.size() != 1 {
		t.Fatalf("blocklist size = %d", e.srv.block.size())
	}
	// Regression (issue 9 review): the refusal of a blocked source emitted no event.
	if rej := e.events.waitFor(t, ReasonBlocked, 403); rej.CallID != string(*d.InviteRequest.CallID()) {
		t.Fatalf("rejection = %+v", rej)
	}
}

// Regression (issue 9 review): the rejection event lacked the Call-ID, transport and status.
func TestRejectionCarriesTheInvite(t *testing.T) {
	e := startEdge(t, nil)
	e.dir.setTrunks(farTrunk)
	p := newPhone(t, "tcp", nil)
	fh := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: "+8613900000000", Host: "127.0.0.1"}, Params: sip.NewParams()}
	fh.Params.Add("tag", sip.GenerateTagN(8))
	callID := sip.CallIDHeader("rejected-call-1")
	_, err := p.invite(testCtx(t), e, "tcp", offer(), sipgo.AnswerOptions{}, fh, &callID)
	if got := status(t, err); got != 403 {
		t.Fatalf("status = %d", got)
	}
	got := e.events.waitFor(t, ReasonSourceNotAllowed, 403)
	want := Rejection{
		Tenant: testTenant, CallID: "rejected-call-1", From: "+8613900000000", To: testNumber,
		Source: got.Source, Transport: "tcp", Reason: ReasonSourceNotAllowed, Status: 403,
	}
	if src, err := netip.ParseAddrPort(got.Source); got != want || err != nil || src.Addr() != netip.MustParseAddr("127.0.0.1") {
		t.Fatalf("rejection = %+v, want %+v from 127.0.0.1", got, want)
	}
}

func TestBlockedRefusalsReportedBoundedly(t *testing.T) {
	b := newBlocklist(1, time.Minute, time.Hour)
	a, now := netip.MustParseAddr("10.0.0.1"), time.Now()
	if b.report(a) {
		t.Fatal("an unblocked source reported")
	}
	b.fail(a, now)
	n := 0
	for range 3 * maxBlockedReports {
		if b.report(a) {
			n++
		}
	}
	if n != maxBlockedReports {
		t.Fatalf("reported %d of a block's refusals", n)
	}
	b.fail(a, now.Add(2*time.Hour)) // blocked again: a new period
	if !b.report(a) {
		t.Fatal("a new block period reports nothing")
	}
}

func TestBlocklistIsBounded(t *testing.T) {
	b := newBlocklist(1, time.Minute, time.Hour)
	now := time.Now()
	for i := range maxTracked + 100 {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		b.fail(a, now)
	}
	if b.size() > maxTracked {
		t.Fatalf("size = %d", b.size())
	}
	a := netip.MustParseAddr("192.0.2.1")
	if !b.fail(a, now) || !b.blocked(a, now) {
		t.Fatal("newest failure not blocked")
	}
	if b.blocked(a, now.Add(2*time.Hour)) {
		t.Fatal("block never ends")
	}
}

func TestNonce(t *testing.T) {
	now := time.Now()
	d := &digester{key: []byte("k"), now: func() time.Time { return now }}
	src := netip.MustParseAddr("127.0.0.1")
	n := d.nonce(src)
	if ok, stale := d.checkNonce(n, src); !ok || stale {
		t.Fatalf("fresh nonce: %v %v", ok, stale)
	}
	if ok, _ := d.checkNonce(n, netip.MustParseAddr("127.0.0.2")); ok {
		t.Fatal("nonce accepted from another source")
	}
	other := &digester{key: []byte("other"), now: d.now}
	if ok, _ := other.checkNonce(n, src); ok {
		t.Fatal("nonce accepted under another key")
	}
	now = now.Add(nonceTTL + time.Second)
	if ok, stale := d.checkNonce(n, src); !ok || !stale {
		t.Fatalf("old nonce: %v %v", ok, stale)
	}
	if ok, _ := d.checkNonce("garbage", src); ok {
		t.Fatal("garbage nonce accepted")
	}
}

func TestE164(t *testing.T) {
	for in, want := range map[string]string{"+862160001234": "+862160001234", "862160001234": "+862160001234", "": "", "+": "", "12a": "", "1234567890123456": ""} {
		got, _ := e164(in)
		if got != want {
			t.Errorf("e164(%q) = %q, want %q", in, got, want)
		}
	}
}

// Regression (issue 9 review): refused INVITEs and REGISTERs logged the full source address at
// info level, though it is personal data; it is logged as its network.
func TestInfoLogsMaskSourceAddresses(t *testing.T) {
	out := &logbuf.Buffer{}
	e := startEdgeLogging(t, func(c *Config) { c.AuthFailures = 2 }, slog.New(slog.NewJSONHandler(out, nil)))
	e.dir.setTrunks(voicecfg.Trunk{Tenant: testTenant, Name: "local", CIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Username: "pbx", HA1: ha1("pbx", "pw")})
	p := newPhone(t, "udp", nil)
	uri := sip.Uri{Scheme: "sip", User: "+10000000000", Host: "127.0.0.1", Port: int(e.srv.Addr("udp").Port())}
	d, err := p.dialogs.Invite(testCtx(t), uri, offer(), sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		t.Fatal(err)
	}
	if got := status(t, d.WaitAnswer(testCtx(t), sipgo.AnswerOptions{})); got != 404 {
		t.Fatalf("unknown number: %d", got)
	}
	if res := p.register(t, e, "alice", "wrong", sip.Uri{Scheme: "sip", User: "alice", Host: "127.0.0.1"}, "300"); res.StatusCode != 403 {
		t.Fatalf("register: %d", res.StatusCode)
	}
	_, err = p.invite(testCtx(t), e, "udp", offer(), sipgo.AnswerOptions{Username: "pbx", Password: "guess"})
	if got := status(t, err); got != 403 {
		t.Fatalf("wrong password: %d", got)
	}
	var sources []string
	for line := range strings.Lines(out.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if src, ok := rec["source"]; ok {
			sources = append(sources, fmt.Sprintf("%s: %v", rec["msg"], src))
			if src != "127.0.0.0/24" {
				t.Errorf("%s logs source %v", rec["msg"], src)
			}
		}
	}
	// The unknown number, the refused REGISTER, the refused INVITE and the block all log one.
	if len(sources) < 4 {
		t.Fatalf("sources logged: %v", sources)
	}
}

func TestMaskedAddr(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":        "203.0.113.0/24",
		"::ffff:203.0.113.7": "203.0.113.0/24",
		"2001:db8:1:2::7":    "2001:db8:1::/48",
	} {
		if got := maskedAddr(netip.MustParseAddr(in)); got != want {
			t.Errorf("maskedAddr(%s) = %s, want %s", in, got, want)
		}
	}
}
