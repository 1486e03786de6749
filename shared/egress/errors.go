package egress

import (
	"errors"
	"fmt"
	"net/netip"
)

// ErrRefused matches every refusal of this package (errors.Is).
var ErrRefused = errors.New("egress refused")

// RefusedError says which address was refused and why.
type RefusedError struct {
	Addr   netip.Addr
	Port   uint16 // 0 when the refusal does not depend on a port
	Reason string // the range's name, e.g. "private use (10.0.0.0/8)"
}

func (e *RefusedError) Error() string {
	at := e.Addr.String()
	if e.Port != 0 {
		at = netip.AddrPortFrom(e.Addr, e.Port).String()
	}
	return fmt.Sprintf("%s is not public: %s", at, e.Reason)
}

// Unwrap makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Unwrap() error { return ErrRefused }
