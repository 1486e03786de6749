package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// Regression (issue 7, defect 3): the dial-time check treated 198.18/15 and NAT64 as public, and
// nothing covered the rest of the special-purpose registries. Every non-public block is refused
// at both ends of it, and public addresses pass.
func TestPublic(t *testing.T) {
	refusedAddrs := []string{
		// IPv4: each refused block, at its start, inside and at its end.
		"0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.255",
		"127.0.0.1", "127.255.255.254", "169.254.169.254", "172.16.0.1", "172.31.255.255",
		"192.0.0.1", "192.0.0.255", "192.0.2.1", "192.88.99.1", "192.168.0.1", "192.168.255.255",
		"198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250",
		"240.0.0.1", "255.255.255.255",
		// IPv6.
		"::", "::1", "::ffff:10.0.0.1", "::ffff:8.8.8.8", "::ffff:127.0.0.1", "64:ff9b::a00:1",
		"64:ff9b::808:808", "64:ff9b:1::1", "100::1", "100::ffff:ffff:ffff:ffff", "2001::1",
		"2001:1ff:ffff::1", "2001:db8::1", "2002:a00:1::1", "3fff::1", "5f00::1", "fc00::1",
		"fd12:3456::1", "fe80::1", "febf::1", "ff02::1", "ff0e::1", "::a00:1", "4000::1", "fe80::1%eth0",
	}
	for _, s := range refusedAddrs {
		if a := netip.MustParseAddr(s); Public(a) {
			t.Errorf("Public(%s) = true", s)
		}
	}
	publicAddrs := []string{
		"8.8.8.8", "1.1.1.1", "93.184.216.34", "100.63.255.255", "100.128.0.0", "172.15.255.255",
		"172.32.0.0", "192.0.1.255", "192.169.0.0", "198.17.255.255", "198.20.0.0", "223.255.255.255",
		"2606:4700:4700::1111", "2001:4860:4860::8888", "2400:cb00::1", "2001:200::1",
	}
	for _, s := range publicAddrs {
		if a := netip.MustParseAddr(s); !Public(a) {
			t.Errorf("Public(%s) = false: %s", s, why(a))
		}
	}
}

// Regression (issue 7, defect 3): `2130706433`, 127.1 and the other numeric spellings were saved
// as host names. CheckHost reads them as browsers and inet_aton do.
func TestCheckHost(t *testing.T) {
	tests := map[string]struct {
		kind HostKind
		err  string // substring; "" when accepted
	}{
		"api.acme.example":     {kind: HostName},
		"xn--fiqs8s.example":   {kind: HostName},
		"银行.example":           {kind: HostName},
		"api.v2.example":       {kind: HostName},
		"1e100.net":            {kind: HostName},
		"8.8.8.8":              {kind: HostPublic},
		"2606:4700::1111":      {kind: HostPublic},
		"localhost":            {kind: HostLoopback},
		"LOCALHOST":            {kind: HostLoopback},
		"127.0.0.1":            {kind: HostLoopback},
		"127.0.0.2":            {kind: HostLoopback},
		"::1":                  {kind: HostLoopback},
		"127.1":                {err: "numeric spelling of 127.0.0.1"},
		"127.0.1":              {err: "numeric spelling of 127.0.0.1"},
		"2130706433":           {err: "numeric spelling of 127.0.0.1"},
		"0x7f000001":           {err: "numeric spelling of 127.0.0.1"},
		"0X7F000001":           {err: "numeric spelling of 127.0.0.1"},
		"0177.0.0.1":           {err: "numeric spelling of 127.0.0.1"},
		"0x7f.1":               {err: "numeric spelling of 127.0.0.1"},
		"0x7f.0.0.0x1":         {err: "numeric spelling of 127.0.0.1"},
		"017700000001":         {err: "numeric spelling of 127.0.0.1"},
		"127.0.0.1.":           {err: "numeric spelling of 127.0.0.1"},
		"１２７．０．０．１":            {err: "numeric spelling of 127.0.0.1"},
		"127。0。0。1":            {err: "numeric spelling of 127.0.0.1"},
		"0":                    {err: "\"this network\""},
		"0x0a000001":           {err: "private use (10.0.0.0/8)"},
		"10.1":                 {err: "private use (10.0.0.0/8)"},
		"0xa.0.1":              {err: "private use (10.0.0.0/8)"},
		"012.0.0.1":            {err: "private use (10.0.0.0/8)"},
		"167772161":            {err: "private use (10.0.0.0/8)"},
		"0xA9FEA9FE":           {err: "link-local"},
		"2852039166":           {err: "link-local"},
		"169.254.169.254":      {err: "link-local"},
		"198.18.0.1":           {err: "benchmarking (198.18.0.0/15)"},
		"100.64.0.1":           {err: "shared address space"},
		"192.168.1.1":          {err: "private use (192.168.0.0/16)"},
		"172.16.0.1":           {err: "private use (172.16.0.0/12)"},
		"192.0.0.8":            {err: "IETF protocol assignments"},
		"192.0.2.1":            {err: "documentation"},
		"192.88.99.1":          {err: "6to4 relay"},
		"198.51.100.1":         {err: "documentation"},
		"203.0.113.1":          {err: "documentation"},
		"224.0.0.251":          {err: "multicast"},
		"255.255.255.255":      {err: "reserved"},
		"::":                   {err: "unspecified"},
		"::ffff:127.0.0.1":     {err: "IPv4-mapped"},
		"::ffff:10.0.0.1":      {err: "IPv4-mapped"},
		"::ffff:7f00:1":        {err: "IPv4-mapped"},
		"64:ff9b::a00:1":       {err: "NAT64"},
		"64:ff9b::10.0.0.1":    {err: "NAT64"},
		"100::1":               {err: "discard-only"},
		"2001::1":              {err: "IETF protocol assignments"},
		"2001:db8::1":          {err: "documentation"},
		"fd00::1":              {err: "unique local"},
		"fe80::1":              {err: "link-local"},
		"fe80::1%eth0":         {err: "scoped to an interface"},
		"ff02::1":              {err: "multicast"},
		"::127.0.0.1":          {err: "outside IPv6 global unicast"},
		"1.2.3.256":            {err: "not an IPv4 address"},
		"1.2.3.4.5":            {err: "not an IPv4 address"},
		"256.1":                {err: "not an IPv4 address"},
		"4294967296":           {err: "not an IPv4 address"},
		"99999999999999999999": {err: "not an IPv4 address"},
		"example.0x1":          {err: "not an IPv4 address"},
		"example.123":          {err: "not an IPv4 address"},
		"0x8.0x8.0x8.0x8":      {err: "numeric spelling of 8.8.8.8"},
		"134744072":            {err: "numeric spelling of 8.8.8.8"},
		"evil.localhost":       {err: "loopback name"},
		"":                     {err: "no host"},
		"1:2":                  {err: "not an IPv6 address"},
	}
	for host, tc := range tests {
		kind, err := CheckHost(host)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("CheckHost(%q): %v", host, err)
		case tc.err == "" && kind != tc.kind:
			t.Errorf("CheckHost(%q) = kind %d, want %d", host, kind, tc.kind)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("CheckHost(%q) = %v, want an error with %q", host, err, tc.err)
		}
	}
}

// URL hosts reach CheckHost the way url.Parse hands them over (IPv6 brackets removed, zones
// unescaped); url.Parse itself refuses percent-escapes in a host.
func TestCheckHostFromURL(t *testing.T) {
	if _, err := url.Parse("https://%31%32%37.0.0.1/"); err == nil {
		t.Error("url.Parse took a percent-escaped host; CheckHost must decode it")
	}
	for raw, want := range map[string]string{
		"https://[::ffff:a00:1]:8443/":   "IPv4-mapped",
		"https://0x7f000001:443/":        "numeric spelling",
		"https://[fe80::1%25en0]/":       "scoped to an interface",
		"https://2130706433/lingxi/hook": "numeric spelling",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if _, err := CheckHost(u.Hostname()); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", raw, err, want)
		}
	}
}

func TestPolicyAllow(t *testing.T) {
	p := Policy{LoopbackPorts: []uint16{8081}}
	tests := map[string]bool{
		"127.0.0.1:8081": true, "[::1]:8081": true, "127.0.0.5:8081": true,
		"127.0.0.1:4567": false, "[::1]:9001": false, "[::ffff:127.0.0.1]:8081": false,
		"10.0.0.1:8081": false, "8.8.8.8:443": true, "[2606:4700::1111]:443": true,
		"198.18.0.1:443": false, "[64:ff9b::a00:1]:443": false, "169.254.169.254:80": false,
	}
	for s, want := range tests {
		err := p.Allow(netip.MustParseAddrPort(s))
		if (err == nil) != want {
			t.Errorf("Allow(%s) = %v, want allowed %v", s, err, want)
		}
		if err != nil && !errors.Is(err, ErrRefused) {
			t.Errorf("Allow(%s) = %v, not ErrRefused", s, err)
		}
	}
	if err := (Policy{}).Allow(netip.MustParseAddrPort("127.0.0.1:8081")); err == nil || !strings.Contains(err.Error(), "ports are none") {
		t.Errorf("the zero policy allowed loopback: %v", err)
	}
}

func TestParsePorts(t *testing.T) {
	for in, want := range map[string]string{"": "", " ": "", "8081": "8081", "8081, 9000,8081": "8081,9000", "9000,": "9000"} {
		got, err := ParsePorts(in)
		if err != nil || FormatPorts(got) != want {
			t.Errorf("ParsePorts(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "65536", "http", "-1", "80;81", "true"} {
		if _, err := ParsePorts(in); err == nil {
			t.Errorf("ParsePorts(%q) accepted it", in)
		}
	}
}

// stubResolver answers from a map and counts lookups.
type stubResolver struct {
	addrs   map[string][]netip.Addr
	lookups atomic.Int64
}

func (r *stubResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.lookups.Add(1)
	if a, ok := r.addrs[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// loopbackOnly is the test guard: should the Policy ever allow an address that is not
// 127.0.0.1, the connect is still stopped, so no test sends a packet beyond loopback.
func loopbackOnly(ap netip.AddrPort) error {
	if ap.Addr() != netip.MustParseAddr("127.0.0.1") {
		return fmt.Errorf("test guard: the policy allowed %s", ap)
	}
	return nil
}

// Regression (issue 7, defect 3): a public-looking name that DNS points at a private address is
// refused at dial time, by the socket's Control hook after resolution, before connect(2).
func TestDialerRefusesAfterResolution(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	port := netip.MustParseAddrPort(srv.Listener.Addr().String()).Port()
	res := &stubResolver{addrs: map[string][]netip.Addr{
		"hooks.acme.example":   {netip.MustParseAddr("10.0.0.1")},
		"rebind.acme.example":  {netip.MustParseAddr("169.254.169.254"), netip.MustParseAddr("198.18.0.1")},
		"mapped.acme.example":  {netip.MustParseAddr("::ffff:10.0.0.1")},
		"nat64.acme.example":   {netip.MustParseAddr("64:ff9b::a00:1")},
		"bank.local.example":   {netip.MustParseAddr("127.0.0.1")},
		"loop6.local.example":  {netip.MustParseAddr("::1")},
		"loopmix.acme.example": {netip.MustParseAddr("127.0.0.1")},
	}}
	d := &Dialer{Policy: Policy{LoopbackPorts: []uint16{port}}, Resolver: res, guard: loopbackOnly}
	for _, addr := range []string{
		"hooks.acme.example:443", "rebind.acme.example:443", "mapped.acme.example:443", "nat64.acme.example:443",
		"10.0.0.1:80", "loopmix.acme.example:1", "127.0.0.1:1",
	} {
		conn, err := d.DialContext(t.Context(), "tcp", addr)
		if err == nil {
			conn.Close()
			t.Fatalf("dialled %s", addr)
		}
		var re *RefusedError
		if !errors.As(err, &re) || strings.Contains(err.Error(), "test guard") {
			t.Errorf("%s: %v, want the policy's refusal", addr, err)
		}
	}
	if res.lookups.Load() != 5 {
		t.Errorf("%d lookups, want 5 (IP literals are not looked up)", res.lookups.Load())
	}
	// The allowed loopback port, by name or by address, still connects.
	for _, addr := range []string{fmt.Sprintf("bank.local.example:%d", port), fmt.Sprintf("127.0.0.1:%d", port)} {
		conn, err := d.DialContext(t.Context(), "tcp", addr)
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		conn.Close()
	}
	if _, err := d.DialContext(t.Context(), "udp", "127.0.0.1:53"); err == nil {
		t.Error("dialled UDP")
	}
}

// The local stack's client: the demo bank's port is reached, any other loopback listener (an
// emulator, the Lambda Runtime API) is refused at dial time even though it is up, and a redirect
// from the allowed port to another listener is not followed.
func TestClientLoopbackPortsAndRedirects(t *testing.T) {
	var other atomic.Int64
	emulator := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { other.Add(1) }))
	defer emulator.Close()
	bank := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, emulator.URL+"/", http.StatusTemporaryRedirect)
			return
		}
		w.WriteHeader(204)
	}))
	defer bank.Close()
	bankPort := netip.MustParseAddrPort(bank.Listener.Addr().String()).Port()
	c := NewClient(Policy{LoopbackPorts: []uint16{bankPort}})
	defer c.CloseIdleConnections()
	if c.Transport.(*http.Transport).Proxy != nil {
		t.Fatal("the client uses a proxy, which would dial unchecked")
	}
	get := func(u string) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(t.Context(), "POST", u, strings.NewReader("{}"))
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	if resp, err := get(bank.URL + "/hook"); err != nil || resp.StatusCode != 204 {
		t.Fatalf("the allowed port: %v %v", resp, err)
	}
	localhostURL := strings.Replace(emulator.URL, "127.0.0.1", "localhost", 1)
	for _, u := range []string{emulator.URL + "/", localhostURL + "/"} {
		if _, err := get(u); !errors.Is(err, ErrRefused) {
			t.Errorf("%s: %v, want refused", u, err)
		}
	}
	resp, err := get(bank.URL + "/redirect")
	if err != nil || resp.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("redirect: %v %v, want the 307 itself", resp, err)
	}
	if other.Load() != 0 {
		t.Fatalf("the other listener got %d requests", other.Load())
	}
	// Production's client (no loopback ports) reaches neither.
	prod := NewClient(Policy{})
	defer prod.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", bank.URL, nil)
	if _, err := prod.Do(req); !errors.Is(err, ErrRefused) {
		t.Fatalf("production client reached loopback: %v", err)
	}
}
