package media

import "errors"

// Errors callers match with errors.Is; each is wrapped with the detail of what failed.
var (
	// ErrNoFreePort: every port of the range is taken.
	ErrNoFreePort = errors.New("media: no free RTP port in the range")
	// ErrUnsupported: the parameters ask for something the edge does not do (a codec other than
	// PCMU/PCMA, a crypto suite other than AES_CM_128_HMAC_SHA1_80/_32, MKI, session parameters).
	// The SIP side answers 488.
	ErrUnsupported = errors.New("media: unsupported media parameters")
	// ErrMalformed: an a=crypto line or a telephone-event payload does not parse.
	ErrMalformed = errors.New("media: malformed input")
)

var (
	errPortRange  = errors.New("media: bad RTP port range")
	errRunTwice   = errors.New("media: session already running")
	errNoRecorder = errors.New("media: recorder closed")
)
