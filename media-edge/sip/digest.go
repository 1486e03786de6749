package sip

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/lingxi/lingxi/shared/voicecfg"
)

// nonceTTL is how long a challenge's nonce is accepted; an older one gets a stale challenge.
const nonceTTL = 5 * time.Minute

// digester issues and checks stateless nonces: a timestamp and an HMAC over it and the source IP,
// so any edge holding the key verifies them without remembering anything.
type digester struct {
	key []byte
	now func() time.Time
}

// nonce returns a fresh nonce bound to src.
func (d *digester) nonce(src netip.Addr) string {
	var b [8 + 16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(d.now().UnixNano()))
	copy(b[8:], d.mac(b[:8], src))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (d *digester) mac(ts []byte, src netip.Addr) []byte {
	h := hmac.New(sha256.New, d.key)
	h.Write(ts)
	a := src.Unmap().As16()
	h.Write(a[:])
	return h.Sum(nil)[:16]
}

// checkNonce reports whether n was issued by this key for src, and whether it has expired.
func (d *digester) checkNonce(n string, src netip.Addr) (valid, stale bool) {
	b, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil || len(b) != 24 {
		return false, false
	}
	if subtle.ConstantTimeCompare(b[8:], d.mac(b[:8], src)) != 1 {
		return false, false
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	age := d.now().Sub(issued)
	return true, age > nonceTTL || age < -time.Minute
}

// challenge is the value of a WWW-Authenticate or Proxy-Authenticate header.
func (d *digester) challenge(src netip.Addr, stale bool) string {
	c := fmt.Sprintf(`Digest realm="%s", nonce="%s", algorithm=MD5, qop="auth"`, voicecfg.Realm, d.nonce(src))
	if stale {
		c += ", stale=true"
	}
	return c
}

// authOutcome is what a request's digest credentials amount to.
type authOutcome int

const (
	authMissing authOutcome = iota // no credentials for our realm: challenge
	authStale                      // well signed but expired nonce: challenge again with stale=true
	authBad                        // wrong: counts as a failure
	authOK
)

// credentials returns the digest credentials of req for our realm, from Authorization or
// Proxy-Authorization.
func credentials(req *sip.Request) *digest.Credentials {
	for _, name := range []string{"Proxy-Authorization", "Authorization"} {
		for _, h := range req.GetHeaders(name) {
			c, err := digest.ParseCredentials(h.Value())
			if err == nil && c.Realm == voicecfg.Realm {
				return c
			}
		}
	}
	return nil
}

// verify checks credentials against the HA1 (MD5(username:realm:password)) of their username.
func (d *digester) verify(req *sip.Request, src netip.Addr, c *digest.Credentials, ha1 string) authOutcome {
	if c.Algorithm != "" && !strings.EqualFold(c.Algorithm, "MD5") {
		return authBad
	}
	if !sameURI(c.URI, &req.Recipient) {
		return authBad
	}
	valid, stale := d.checkNonce(c.Nonce, src)
	if !valid {
		// A nonce we never issued (another key, another source) is not the caller's fault alone:
		// challenge again rather than count a failure.
		return authStale
	}
	ha2 := md5hex(string(req.Method) + ":" + c.URI)
	var want string
	switch c.QOP {
	case "":
		want = md5hex(ha1 + ":" + c.Nonce + ":" + ha2)
	case "auth":
		want = md5hex(fmt.Sprintf("%s:%s:%08x:%s:auth:%s", ha1, c.Nonce, c.Nc, c.Cnonce, ha2))
	default:
		return authBad
	}
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(c.Response)), []byte(want)) != 1 {
		return authBad
	}
	if stale {
		return authStale
	}
	return authOK
}

// sameURI compares the digest-uri with the Request-URI by scheme, user, host and port.
func sameURI(s string, u *sip.Uri) bool {
	var du sip.Uri
	if err := sip.ParseUri(s, &du); err != nil {
		return false
	}
	return strings.EqualFold(du.Scheme, u.Scheme) && du.User == u.User &&
		strings.EqualFold(du.Host, u.Host) && du.Port == u.Port
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}
