package users

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters (RFC 9106's second recommended option, memory-constrained: 64 MiB, 3
// passes, 4 lanes), a 16-byte random salt per user and a 32-byte hash. A hash costs tens of
// milliseconds and 64 MiB, once per sign-in; the parameters are stored with each hash, so raising
// them later leaves old hashes verifiable.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 4
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Password length limits, in characters. Any characters are allowed (a passphrase is welcome).
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
)

// ErrMismatch: the password does not match the hash.
var ErrMismatch = errors.New("users: password does not match")

// CheckPassword says what is wrong with a new password, or nil.
func CheckPassword(pw string) error {
	if !utf8.ValidString(pw) {
		return errors.New("must be UTF-8")
	}
	if n := utf8.RuneCountInString(pw); n < MinPasswordLen || n > MaxPasswordLen {
		return fmt.Errorf("must be %d to %d characters", MinPasswordLen, MaxPasswordLen)
	}
	return nil
}

// HashPassword returns pw's argon2id hash as a PHC string:
// $argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash> (unpadded standard base64).
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("users: salt: %w", err)
	}
	h := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return encodePHC(argonMemory, argonTime, argonThreads, salt, h), nil
}

func encodePHC(m, t uint32, p uint8, salt, h []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p, b64.EncodeToString(salt), b64.EncodeToString(h))
}

// phc is a decoded argon2id PHC string.
type phc struct {
	m, t    uint32
	p       uint8
	salt, h []byte
}

// Bounds on stored parameters, so that a corrupt record cannot make a sign-in take minutes.
const (
	maxMemory = 1024 * 1024 // KiB
	maxTime   = 20
)

// parsePHC decodes an argon2id PHC string as HashPassword writes it.
func parsePHC(s string) (phc, error) {
	var out phc
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return out, errors.New("users: not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version || parts[2] != fmt.Sprintf("v=%d", v) {
		return out, errors.New("users: unsupported argon2 version")
	}
	var p uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &out.m, &out.t, &p); err != nil ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", out.m, out.t, p) {
		return out, errors.New("users: bad argon2 parameters")
	}
	if out.t < 1 || out.t > maxTime || p < 1 || p > 255 || out.m < 8*p || out.m > maxMemory {
		return out, errors.New("users: argon2 parameters out of range")
	}
	out.p = uint8(p)
	var err error
	if out.salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4]); err != nil || len(out.salt) < 8 || len(out.salt) > 64 {
		return out, errors.New("users: bad salt")
	}
	if out.h, err = base64.RawStdEncoding.Strict().DecodeString(parts[5]); err != nil || len(out.h) < 16 || len(out.h) > 64 {
		return out, errors.New("users: bad hash")
	}
	return out, nil
}

// VerifyPassword reports whether pw matches encoded (from HashPassword): nil, ErrMismatch, or an
// error for a malformed hash. The comparison is constant-time.
func VerifyPassword(encoded, pw string) error {
	d, err := parsePHC(encoded)
	if err != nil {
		return err
	}
	h := argon2.IDKey([]byte(pw), d.salt, d.t, d.m, d.p, uint32(len(d.h)))
	if subtle.ConstantTimeCompare(h, d.h) != 1 {
		return ErrMismatch
	}
	return nil
}

// dummyHash is verified against when a sign-in names no user, so that an unknown user costs the
// same argon2id work as a wrong password (and answers the same).
var dummyHash = encodePHC(argonMemory, argonTime, argonThreads, make([]byte, argonSaltLen), make([]byte, argonKeyLen))

// VerifyMissing spends the work of one VerifyPassword and returns ErrMismatch: call it when the
// user named does not exist.
func VerifyMissing(pw string) error {
	_ = VerifyPassword(dummyHash, pw) // never matches: the work is the point
	return ErrMismatch
}
