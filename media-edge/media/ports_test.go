package media

import (
	"errors"
	"net/netip"
	"testing"
)

func TestPorts(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	for _, bad := range [][2]int{{0, 100}, {5000, 4000}, {60000, 70000}} {
		if _, err := NewPorts(lo, bad[0], bad[1]); err == nil {
			t.Errorf("range %v accepted", bad)
		}
	}
	p, err := NewPorts(lo, 43101, 43104) // odd min: 43102 and 43104
	if err != nil {
		t.Fatal(err)
	}
	if p.Size() != 2 {
		t.Fatalf("size %d", p.Size())
	}
	a, err := p.Listen()
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Listen()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []interface {
		LocalAddr() interface{ String() string }
	}{} {
		_ = c
	}
	pa, pb := a.LocalAddr().(interface{ String() string }).String(), b.LocalAddr().String()
	if pa == pb {
		t.Fatalf("same port twice: %s", pa)
	}
	for _, c := range []string{pa, pb} {
		ap := netip.MustParseAddrPort(c)
		if ap.Port()%2 != 0 || ap.Port() < 43102 || ap.Port() > 43104 {
			t.Errorf("port %d outside the even ports of the range", ap.Port())
		}
	}
	if _, err := p.Listen(); !errors.Is(err, ErrNoFreePort) {
		t.Fatalf("third port: %v", err)
	}
	a.Close()
	c, err := p.Listen()
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	if c.LocalAddr().String() != pa {
		t.Errorf("freed %s, got %s", pa, c.LocalAddr())
	}
	b.Close()
	c.Close()
}
