package botconfig

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"time"
)

// modelVersionLayout is the time part of a model version: UTC to the millisecond, so versions sort
// by training time as strings.
const modelVersionLayout = "20060102T150405.000Z"

var reModelVersion = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}\.[0-9]{3}Z-[0-9a-f]{6}$`)

// NewModelVersion returns a model version for a training that started at t:
// "20250603T101304.882Z-4f9a1c", the UTC time and 24 random bits, so versions sort by time and two
// trainings in the same millisecond still differ.
func NewModelVersion(t time.Time) (string, error) {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random model version: %w", err)
	}
	return t.UTC().Format(modelVersionLayout) + "-" + hex.EncodeToString(b), nil
}

// ValidModelVersion reports whether s has the form NewModelVersion makes.
func ValidModelVersion(s string) bool { return reModelVersion.MatchString(s) }
