package voc

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/lingxi/lingxi/events"
)

// Key prefixes: what a key counts (the alert's kind).
const (
	PrefixIntent   = "intent:"
	PrefixTopic    = "topic:"
	PrefixQueue    = "queue:"
	PrefixNegative = "negative:"
	// PrefixTotal counts every customer message with a sentiment, per channel: the negative
	// share's denominator. Never an alert of its own.
	PrefixTotal = "total:"
	// PrefixBusiness counts the tenant's business.event events (BusinessKey): the weekly
	// report's stand-in for transactions. Never an alert of its own.
	PrefixBusiness = "business:"
)

// BusinessKey counts every business.event of a tenant.
const BusinessKey = PrefixBusiness + "all"

// MaxKeyLen is the longest key (the events' limit).
const MaxKeyLen = 200

// IntentKey, TopicKey, QueueKey, NegativeKey and TotalKey build keys.
func IntentKey(name string) string         { return PrefixIntent + name }
func TopicKey(id string) string            { return PrefixTopic + id }
func QueueKey(id string) string            { return PrefixQueue + id }
func NegativeKey(ch events.Channel) string { return PrefixNegative + string(ch) }
func TotalKey(ch events.Channel) string    { return PrefixTotal + string(ch) }
func totalOfNegative(key string) string    { return PrefixTotal + strings.TrimPrefix(key, PrefixNegative) }
func isNegative(key string) bool           { return strings.HasPrefix(key, PrefixNegative) }
func isTotal(key string) bool              { return strings.HasPrefix(key, PrefixTotal) }

// isTally reports whether key is counted but never checked for spikes nor listed: a total or
// the business events.
func isTally(key string) bool { return isTotal(key) || strings.HasPrefix(key, PrefixBusiness) }
func hasExamples(kind events.AlertKind) bool {
	return kind == events.AlertIntent || kind == events.AlertTopic
}

// KindOf returns a key's alert kind and its name (the part after the prefix); false for a total
// key or one of no known prefix.
func KindOf(key string) (events.AlertKind, string, bool) {
	for _, k := range []struct {
		prefix string
		kind   events.AlertKind
	}{{PrefixIntent, events.AlertIntent}, {PrefixTopic, events.AlertTopic}, {PrefixQueue, events.AlertQueue}, {PrefixNegative, events.AlertNegative}} {
		if name, ok := strings.CutPrefix(key, k.prefix); ok && name != "" {
			return k.kind, name, true
		}
	}
	return "", "", false
}

// CheckKey validates a key: a known prefix (total and business included) and a name of printable characters
// without '|', at most MaxKeyLen bytes in all.
func CheckKey(key string) error {
	if len(key) > MaxKeyLen {
		return fmt.Errorf("%w: key longer than %d bytes", ErrInvalid, MaxKeyLen)
	}
	name, ok := "", false
	if _, n, known := KindOf(key); known {
		name, ok = n, true
	} else if n, cut := strings.CutPrefix(key, PrefixTotal); cut && n != "" {
		name, ok = n, true
	} else if n, cut := strings.CutPrefix(key, PrefixBusiness); cut && n != "" {
		name, ok = n, true
	}
	if !ok {
		return fmt.Errorf("%w: key %q has no known prefix", ErrInvalid, key)
	}
	for _, r := range name {
		if r == '|' || !unicode.IsPrint(r) {
			return fmt.Errorf("%w: key %q has %q", ErrInvalid, key, r)
		}
	}
	return nil
}
