// Package randid makes and checks the platform's random ids: a fixed prefix ("usr_", "cr_",
// "key_", "lxw_") and n random bytes in unpadded base64url. Ids are not secrets; they are
// unguessable so that one tenant cannot probe another's.
package randid

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
)

// New returns prefix and n random bytes in unpadded base64url.
func New(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// Valid reports whether id is one New(prefix, n) could have made: the prefix, then exactly the
// canonical unpadded base64url of n bytes.
func Valid(id, prefix string, n int) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || len(rest) != base64.RawURLEncoding.EncodedLen(n) {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	return err == nil
}
