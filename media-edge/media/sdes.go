package media

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/srtp/v3"
)

// SDES (RFC 4568) keying for SRTP: the crypto suites the edge speaks, fresh keys, and the
// a=crypto attribute's text.

// The crypto suites of RFC 4568 the edge speaks.
const (
	SuiteAES80 = "AES_CM_128_HMAC_SHA1_80"
	SuiteAES32 = "AES_CM_128_HMAC_SHA1_32"
)

const (
	sdesKeyLen  = 16
	sdesSaltLen = 14
	// SDESKeySize is the master key and salt of one direction, as a=crypto carries them inline.
	SDESKeySize = sdesKeyLen + sdesSaltLen
)

// NewSDESKey returns a fresh master key and salt (SDESKeySize bytes) for the edge's direction.
func NewSDESKey() ([]byte, error) {
	k := make([]byte, SDESKeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("new SDES key: %w", err)
	}
	return k, nil
}

// FormatCrypto returns the value of an a=crypto attribute (without "a=crypto:"):
// "1 AES_CM_128_HMAC_SHA1_80 inline:<base64 of key and salt>".
func FormatCrypto(tag int, suite string, key []byte) string {
	return strconv.Itoa(tag) + " " + suite + " inline:" + base64.StdEncoding.EncodeToString(key)
}

// ParseCrypto reads an a=crypto attribute, with or without its "a=crypto:" prefix. It accepts the
// two suites the edge speaks with one inline key of SDESKeySize bytes and an optional lifetime; a
// master key identifier, several keys or session parameters are ErrUnsupported (the SIP side then
// tries the offer's next crypto line), a line that does not parse is ErrMalformed.
func ParseCrypto(line string) (tag int, suite string, key []byte, err error) {
	v := strings.TrimSpace(line)
	v = strings.TrimPrefix(v, "a=")
	v = strings.TrimPrefix(v, "crypto:")
	f := strings.Fields(v)
	if len(f) < 3 {
		return 0, "", nil, fmt.Errorf("crypto %q: want tag, suite and key params: %w", line, ErrMalformed)
	}
	tag, err = strconv.Atoi(f[0])
	if err != nil || tag < 0 || tag > 999999999 || len(f[0]) > 10 {
		return 0, "", nil, fmt.Errorf("crypto %q: bad tag: %w", line, ErrMalformed)
	}
	suite = f[1]
	if _, err := profileOf(suite); err != nil {
		return 0, "", nil, err
	}
	if len(f) > 3 {
		return 0, "", nil, fmt.Errorf("crypto %q: session parameters: %w", line, ErrUnsupported)
	}
	params := f[2]
	if strings.Contains(params, ";") {
		return 0, "", nil, fmt.Errorf("crypto %q: more than one key: %w", line, ErrUnsupported)
	}
	b64, ok := strings.CutPrefix(params, "inline:")
	if !ok {
		return 0, "", nil, fmt.Errorf("crypto %q: key method is not inline: %w", line, ErrMalformed)
	}
	parts := strings.Split(b64, "|")
	switch len(parts) {
	case 1:
	case 2:
		// The lifetime (2^n or a decimal number); a key used for one call never reaches it.
		if strings.Contains(parts[1], ":") {
			return 0, "", nil, fmt.Errorf("crypto %q: master key identifier: %w", line, ErrUnsupported)
		}
	default:
		return 0, "", nil, fmt.Errorf("crypto %q: master key identifier: %w", line, ErrUnsupported)
	}
	key, err = base64.StdEncoding.DecodeString(parts[0])
	if err != nil {
		// Some endpoints leave out the padding.
		key, err = base64.RawStdEncoding.DecodeString(parts[0])
	}
	if err != nil {
		return 0, "", nil, fmt.Errorf("crypto %q: key is not base64: %w", line, ErrMalformed)
	}
	if len(key) != SDESKeySize {
		return 0, "", nil, fmt.Errorf("crypto %q: key of %d bytes, want %d: %w", line, len(key), SDESKeySize, ErrMalformed)
	}
	return tag, suite, key, nil
}

func profileOf(suite string) (srtp.ProtectionProfile, error) {
	switch suite {
	case SuiteAES80:
		return srtp.ProtectionProfileAes128CmHmacSha1_80, nil
	case SuiteAES32:
		return srtp.ProtectionProfileAes128CmHmacSha1_32, nil
	}
	return 0, fmt.Errorf("crypto suite %q: %w", suite, ErrUnsupported)
}

// srtpContexts builds the sending and receiving SRTP contexts of sd.
func srtpContexts(sd *SDES) (tx, rx *srtp.Context, err error) {
	p, err := profileOf(sd.Suite)
	if err != nil {
		return nil, nil, err
	}
	if len(sd.Local) != SDESKeySize || len(sd.Remote) != SDESKeySize {
		return nil, nil, fmt.Errorf("SRTP keys of %d and %d bytes, want %d: %w", len(sd.Local), len(sd.Remote), SDESKeySize, ErrMalformed)
	}
	tx, err = srtp.CreateContext(sd.Local[:sdesKeyLen], sd.Local[sdesKeyLen:], p)
	if err != nil {
		return nil, nil, fmt.Errorf("SRTP send context: %w", err)
	}
	rx, err = srtp.CreateContext(sd.Remote[:sdesKeyLen], sd.Remote[sdesKeyLen:], p, srtp.SRTPReplayProtection(128))
	if err != nil {
		return nil, nil, fmt.Errorf("SRTP receive context: %w", err)
	}
	return tx, rx, nil
}
