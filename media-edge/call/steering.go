package call

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/tenant"
)

// Steering is what the real-time dispatch engine has in force for a queue, read once by each call
// that joins it (the edge reads shared/steering/overlay and the tenant's time zone).
type Steering interface {
	Queue(ctx context.Context, t tenant.ID, queue string) (QueueSteering, error)
}

// QueueSteering is the engine's strategies in force for one queue, as a call joining it executes
// them; the zero value is none.
type QueueSteering struct {
	// ExpectedWait, when positive, is the wait AnnounceWait tells: the hold prompt starts with it.
	ExpectedWait time.Duration
	// Divert, when set, offers self-service to a share of the callers.
	Divert *DivertOffer
	// Callback, when set, offers callers a callback by a promised time.
	Callback *CallbackOffer
	// Location is the tenant's time zone, in which the promised time is said (UTC when nil).
	Location *time.Location
}

// DivertOffer is the divert strategy in force: Share (0–1) of the callers, chosen by a stable hash
// of the call id, hear that they can get help in the app and that a link was texted to them.
type DivertOffer struct {
	ActivationID string
	Share        float64
	// Link is the self-service link the tenant's webhook texts (call.diverted).
	Link string
}

// CallbackOffer is the callback strategy in force: callers who waited After hear "press 1 to be
// called back by HH:MM", HH:MM being Promise from the offer.
type CallbackOffer struct {
	ActivationID string
	After        time.Duration
	// Promise is how soon the callback is promised (DefaultPromise when zero).
	Promise time.Duration
}

// DefaultPromise is the callback's promise when the activation does not say.
const DefaultPromise = 30 * time.Minute

// Diverts reports whether the call callID is among the share (0–1) of callers offered
// self-service: a stable hash of the call id, so the same call always decides the same way and
// about share of the calls do.
func Diverts(callID string, share float64) bool {
	if share <= 0 {
		return false
	}
	sum := sha256.Sum256([]byte(callID)) // uniform over ids that differ in one character only
	return float64(binary.BigEndian.Uint64(sum[:8]))/math.Exp2(64) < share
}

// reachable reports whether a caller's number can be texted or called back: withheld numbers
// cannot.
func reachable(from string) bool {
	return from != "" && !strings.EqualFold(from, "anonymous")
}

// Announcements of the engine's strategies, by language; en is the fallback.
var (
	waitOneText = map[string]string{
		"zh": "预计等待时间约为1分钟。",
		"en": "The expected wait is about 1 minute.",
	}
	waitText = map[string]string{
		"zh": "预计等待时间约为%d分钟。",
		"en": "The expected wait is about %d minutes.",
	}
	divertText = map[string]string{
		"zh": "您也可以在我们的应用中立即获得帮助，我们已通过短信向您发送了链接。",
		"en": "You can also get help right away in our app; we have sent you a link by text message.",
	}
	callbackOfferText = map[string]string{
		"zh": "如需在%s前接到我们的回电，请按1。",
		"en": "Press 1 to be called back by %s.",
	}
	callbackDoneText = map[string]string{
		"zh": "好的，我们将在%s前给您回电。再见。",
		"en": "Thank you. We will call you back by %s. Goodbye.",
	}
)

// inLang is text in lang (en when the language has none).
func inLang(texts map[string]string, lang string) string {
	if s, ok := texts[lang]; ok {
		return s
	}
	return texts["en"]
}

// hhmm is t as the promised time is said: HH:MM in loc (UTC when nil).
func hhmm(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("15:04")
}

// waitAnnouncement tells the expected wait in whole minutes, rounded up, at least one.
func waitAnnouncement(lang string, d time.Duration) string {
	n := int(math.Ceil(d.Minutes()))
	if n <= 1 {
		return inLang(waitOneText, lang)
	}
	return fmt.Sprintf(inLang(waitText, lang), n)
}

// joinAnnouncement is what a caller hears on joining a queue: the expected wait (AnnounceWait),
// the hold prompt, self-service (divert) and the callback offer (offerBy not zero), in this order.
func joinAnnouncement(lang string, st QueueSteering, divert bool, offerBy time.Time) string {
	var parts []string
	if st.ExpectedWait > 0 {
		parts = append(parts, waitAnnouncement(lang, st.ExpectedWait))
	}
	parts = append(parts, inLang(holdPrompts, lang))
	if divert {
		parts = append(parts, inLang(divertText, lang))
	}
	if !offerBy.IsZero() {
		parts = append(parts, fmt.Sprintf(inLang(callbackOfferText, lang), hhmm(offerBy, st.Location)))
	}
	sep := " "
	if lang == "zh" {
		sep = ""
	}
	return strings.Join(parts, sep)
}

// callbackOffer is the offer said on its own, once the caller has waited the offer's After.
func callbackOffer(lang string, by time.Time, loc *time.Location) string {
	return fmt.Sprintf(inLang(callbackOfferText, lang), hhmm(by, loc))
}

// callbackConfirmation is said once the callback is taken, before the call ends.
func callbackConfirmation(lang string, by time.Time, loc *time.Location) string {
	return fmt.Sprintf(inLang(callbackDoneText, lang), hhmm(by, loc))
}
