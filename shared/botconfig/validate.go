package botconfig

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lingxi/lingxi/shared/egress"
	"github.com/lingxi/lingxi/shared/httpapi/jsonptr"
	"github.com/lingxi/lingxi/shared/nlu"
)

// Limits on one item. They keep every item well inside DynamoDB's 400 KB and a listing page inside
// Lambda's response limit. Lengths are in characters (runes), not bytes.
const (
	MaxIDLen          = 64      // intent, article, flow, queue ids
	MaxTextLen        = 2000    // one answer, greeting or fallback in one language
	MaxDescriptionLen = 500     // an intent's description
	MaxUtteranceLen   = 500     // one intent example or article question
	MaxExamples       = 1000    // examples per intent
	MaxQuestions      = 100     // question variants per article
	MaxTags           = 20      // tags per article
	MaxTagLen         = 64      // one tag
	MaxHandoffRules   = 50      // settings.handoff_rules
	MaxRuleValues     = 50      // values per handoff rule
	MaxRuleValueLen   = 200     // one value of a handoff rule
	MaxWebhookHosts   = 20      // settings.webhook_hosts
	MaxLowConfidence  = 10      // settings.low_confidence_turns
	MaxMenuEntries    = 9       // settings.voice_menu: keys 1–9
	MaxMenuLabelLen   = 60      // a voice menu entry's label in one language
	MaxItemBytes      = 300_000 // the texts of one intent or article, in UTF-8 bytes
)

// Limits on what one training run takes, per tenant. Training is synchronous inside the api
// function (60 s timeout, one vCPU at 1,769 MB); these bounds keep it well inside that. Its time
// grows with examples × intents (one-vs-rest classifiers over every example, four times: three
// cross-validation folds and the final model): 150 intents × 5,000 examples take about 16 s of CPU.
// A tenant over a limit gets a 422 problem naming it.
const (
	MinTrainingIntents  = 2       // in-scope intents with MinTrainingExamples each
	MinTrainingExamples = 2       // per intent
	MaxTrainingIntents  = 200     // intents, the out-of-scope one included
	MaxTrainingExamples = 5000    // examples over all intents
	MaxTrainingWork     = 750_000 // examples × intents
	MaxTrainingArticles = 5000    // articles in the knowledge-base index
)

// OutOfScopeIntent is the id of the special intent whose examples are things the bot must not
// answer (nlu.OutOfScopeLabel). It trains the classifier's out-of-scope class and gives the
// evaluation its out-of-scope figures; it has no answer, flow or queue (the bot says the fallback).
const OutOfScopeIntent = nlu.OutOfScopeLabel

// FieldError is one invalid field: Field is a JSON pointer into the item as the API receives it
// ("/examples/3") and Reason says what is wrong, in words safe to show the tenant. It is the one
// field-error type of every route (httpapi.FieldError).
type FieldError = jsonptr.FieldError

// MultiLineText marks a Text as multi-line: answers, greetings and fallbacks may hold line breaks
// and tabs (httpapi's text check).
func (Text) MultiLineText() {}

// Problems collects field errors.
type Problems []FieldError

// Add appends a field error.
func (p *Problems) Add(field, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// Prefixed returns the errors with prefix put before each field ("/intents/4" + "/examples/3").
func (p Problems) Prefixed(prefix string) Problems {
	out := make(Problems, len(p))
	for i, e := range p {
		out[i] = FieldError{Field: prefix + e.Field, Reason: e.Reason}
	}
	return out
}

var reID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// IDRule says what an id may be, for messages.
const IDRule = "use 1–64 lower-case letters, digits, _ and -, starting with a letter or digit"

// ValidID reports whether s is a valid intent, article, flow or queue id.
func ValidID(s string) bool { return reID.MatchString(s) }

func runes(s string) int { return utf8.RuneCountInString(s) }

// checkText checks a Text at ptr: known languages, each non-empty and at most max characters.
// required means at least one language must be given.
func checkText(p *Problems, ptr string, t Text, max int, required bool) {
	if required && len(t) == 0 {
		p.Add(ptr, `required: give "en", "zh" or both`)
		return
	}
	for _, lang := range sortedLangs(t) {
		s := t[lang]
		switch {
		case lang != LangEN && lang != LangZH:
			p.Add(jsonptr.Key(ptr, string(lang)), `unknown language; use "en" or "zh"`)
		case strings.TrimSpace(s) == "":
			p.Add(ptr+"/"+string(lang), "must not be empty")
		case runes(s) > max:
			p.Add(ptr+"/"+string(lang), "%d characters; at most %d", runes(s), max)
		}
	}
}

func sortedLangs(t Text) []Lang {
	out := make([]Lang, 0, len(t))
	for _, l := range []Lang{LangEN, LangZH} {
		if _, ok := t[l]; ok {
			out = append(out, l)
		}
	}
	var other []string
	for l := range t {
		if l != LangEN && l != LangZH {
			other = append(other, string(l))
		}
	}
	slices.Sort(other)
	for _, l := range other {
		out = append(out, Lang(l))
	}
	return out
}

// checkUtterances checks a list of examples or questions at ptr: between 1 and max, each trimmed
// non-empty, at most MaxUtteranceLen characters, no duplicates (ignoring case and outer spaces).
// It returns the total bytes.
func checkUtterances(p *Problems, ptr string, list []string, max int) int {
	switch {
	case len(list) == 0:
		p.Add(ptr, "list at least one")
		return 0
	case len(list) > max:
		p.Add(ptr, "%d entries; at most %d", len(list), max)
		return 0
	}
	seen := make(map[string]int, len(list))
	total := 0
	for i, s := range list {
		at := fmt.Sprintf("%s/%d", ptr, i)
		norm := strings.ToLower(strings.TrimSpace(s))
		total += len(s)
		switch {
		case norm == "":
			p.Add(at, "must not be empty")
		case runes(s) > MaxUtteranceLen:
			p.Add(at, "%d characters; at most %d", runes(s), MaxUtteranceLen)
		case hasControl(s):
			p.Add(at, "must not hold control characters")
		default:
			if j, dup := seen[norm]; dup {
				p.Add(at, "repeats %s/%d", ptr, j)
			} else {
				seen[norm] = i
			}
		}
	}
	return total
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' {
			return true
		}
	}
	return false
}

// Normalize trims the outer spaces of the intent's examples, description and ids.
func (in *Intent) Normalize() {
	in.Description = strings.TrimSpace(in.Description)
	for i, s := range in.Examples {
		in.Examples[i] = strings.TrimSpace(s)
	}
	in.Flow = strings.TrimSpace(in.Flow)
	in.Queue = strings.TrimSpace(in.Queue)
}

// Validate checks the intent (its ID included); field pointers are relative to the intent's JSON.
// It does not check that Flow names an existing flow: that needs the store.
func (in Intent) Validate() Problems {
	var p Problems
	if !ValidID(in.ID) {
		p.Add("/id", IDRule)
	}
	if runes(in.Description) > MaxDescriptionLen {
		p.Add("/description", "%d characters; at most %d", runes(in.Description), MaxDescriptionLen)
	}
	if n := checkUtterances(&p, "/examples", in.Examples, MaxExamples); n > MaxItemBytes {
		p.Add("/examples", "%d bytes of examples; at most %d", n, MaxItemBytes)
	}
	checkText(&p, "/answer", in.Answer, MaxTextLen, false)
	if in.Flow != "" && !ValidID(in.Flow) {
		p.Add("/flow", IDRule)
	}
	if in.Queue != "" && !ValidID(in.Queue) {
		p.Add("/queue", IDRule)
	}
	if in.ID == OutOfScopeIntent {
		for _, f := range []struct {
			field string
			set   bool
		}{{"/answer", len(in.Answer) > 0}, {"/flow", in.Flow != ""}, {"/queue", in.Queue != ""}} {
			if f.set {
				p.Add(f.field, "the out-of-scope intent %q only lists examples; the bot answers it with the fallback", OutOfScopeIntent)
			}
		}
	}
	return p
}

// Normalize trims the outer spaces of the article's questions and tags.
func (a *Article) Normalize() {
	for i, s := range a.Questions {
		a.Questions[i] = strings.TrimSpace(s)
	}
	for i, s := range a.Tags {
		a.Tags[i] = strings.TrimSpace(s)
	}
}

// Validate checks the article (its ID included); field pointers are relative to the article's
// JSON.
func (a Article) Validate() Problems {
	var p Problems
	if !ValidID(a.ID) {
		p.Add("/id", IDRule)
	}
	total := checkUtterances(&p, "/questions", a.Questions, MaxQuestions)
	checkText(&p, "/answer", a.Answer, MaxTextLen, true)
	for _, ch := range []Channel{ChannelChat, ChannelVoice} {
		if t, ok := a.ChannelAnswers[ch]; ok {
			checkText(&p, "/channel_answers/"+string(ch), t, MaxTextLen, true)
		}
	}
	var other []string
	for ch := range a.ChannelAnswers {
		if ch != ChannelChat && ch != ChannelVoice {
			other = append(other, string(ch))
		}
	}
	slices.Sort(other)
	for _, ch := range other {
		p.Add(jsonptr.Key("/channel_answers", ch), `unknown channel; use "chat" or "voice"`)
	}
	for _, t := range a.Answer {
		total += len(t)
	}
	for _, t := range a.ChannelAnswers {
		for _, s := range t {
			total += len(s)
		}
	}
	if total > MaxItemBytes {
		p.Add("", "the article's texts are %d bytes; at most %d", total, MaxItemBytes)
	}
	if a.ValidFrom != nil && a.ValidUntil != nil && !a.ValidUntil.After(*a.ValidFrom) {
		p.Add("/valid_until", "must be after valid_from")
	}
	if len(a.Tags) > MaxTags {
		p.Add("/tags", "%d tags; at most %d", len(a.Tags), MaxTags)
	} else {
		seen := map[string]int{}
		for i, tag := range a.Tags {
			at := fmt.Sprintf("/tags/%d", i)
			if !ValidTag(tag) {
				p.Add(at, "use 1–%d letters, digits, _, - and .", MaxTagLen)
			} else if j, dup := seen[tag]; dup {
				p.Add(at, "repeats /tags/%d", j)
			} else {
				seen[tag] = i
			}
		}
	}
	return p
}

// ValidTag reports whether s is a valid article tag: 1–64 letters (any script), digits, _, - and
// ".". Tags are matched exactly.
func ValidTag(s string) bool {
	if s == "" || runes(s) > MaxTagLen {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-' && r != '.' {
			return false
		}
	}
	return true
}

// HasTag reports whether the article carries tag.
func (a Article) HasTag(tag string) bool {
	for _, t := range a.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

var reAttribute = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)

// Normalize trims the settings' ids and lower-cases webhook hosts.
func (s *Settings) Normalize() {
	s.DefaultQueue = strings.TrimSpace(s.DefaultQueue)
	for i, e := range s.VoiceMenu {
		s.VoiceMenu[i].Digit, s.VoiceMenu[i].Intent = strings.TrimSpace(e.Digit), strings.TrimSpace(e.Intent)
	}
	for i, h := range s.WebhookHosts {
		s.WebhookHosts[i] = strings.ToLower(strings.TrimSpace(h))
	}
}

// Validate checks the settings; field pointers are relative to the settings' JSON.
func (s Settings) Validate() Problems {
	var p Problems
	checkText(&p, "/greeting", s.Greeting, MaxTextLen, false)
	checkText(&p, "/fallback", s.Fallback, MaxTextLen, false)
	if s.DefaultQueue != "" && !ValidID(s.DefaultQueue) {
		p.Add("/default_queue", IDRule)
	}
	if len(s.HandoffRules) > MaxHandoffRules {
		p.Add("/handoff_rules", "%d rules; at most %d", len(s.HandoffRules), MaxHandoffRules)
	} else {
		for i, r := range s.HandoffRules {
			at := fmt.Sprintf("/handoff_rules/%d", i)
			if !reAttribute.MatchString(r.Attribute) {
				p.Add(at+"/attribute", "use 1–64 lower-case letters, digits, _, - and ., starting with a letter")
			}
			switch {
			case len(r.Values) == 0:
				p.Add(at+"/values", "list at least one value")
			case len(r.Values) > MaxRuleValues:
				p.Add(at+"/values", "%d values; at most %d", len(r.Values), MaxRuleValues)
			default:
				for j, v := range r.Values {
					if strings.TrimSpace(v) == "" || runes(v) > MaxRuleValueLen {
						p.Add(fmt.Sprintf("%s/values/%d", at, j), "must be 1–%d characters", MaxRuleValueLen)
					}
				}
			}
			if !ValidID(r.Queue) {
				p.Add(at+"/queue", "required; "+IDRule)
			}
		}
	}
	if s.LowConfidenceTurns < 0 || s.LowConfidenceTurns > MaxLowConfidence {
		p.Add("/low_confidence_turns", "must be between 0 (the default, %d) and %d", DefaultLowConfidenceTurns, MaxLowConfidence)
	}
	if s.IdleTimeoutSeconds != 0 && (s.IdleTimeoutSeconds < MinIdleTimeoutSeconds || s.IdleTimeoutSeconds > MaxIdleTimeoutSeconds) {
		p.Add("/idle_timeout_seconds", "must be 0 (the default, %d) or between %d and %d",
			int(DefaultIdleTimeout/time.Second), MinIdleTimeoutSeconds, MaxIdleTimeoutSeconds)
	}
	s.checkVoiceMenu(&p)
	if len(s.WebhookHosts) > MaxWebhookHosts {
		p.Add("/webhook_hosts", "%d hosts; at most %d", len(s.WebhookHosts), MaxWebhookHosts)
	} else {
		seen := map[string]int{}
		for i, h := range s.WebhookHosts {
			at := fmt.Sprintf("/webhook_hosts/%d", i)
			if err := checkHostPattern(h); err != "" {
				p.Add(at, "%s", err)
			} else if j, dup := seen[h]; dup {
				p.Add(at, "repeats /webhook_hosts/%d", j)
			} else {
				seen[h] = i
			}
		}
	}
	return p
}

var reMenuDigit = regexp.MustCompile(`^[1-9]$`)

// checkVoiceMenu checks the voice menu's shape: at most MaxMenuEntries, each key 1–9 once, each
// intent a valid id other than the out-of-scope one, labels short single lines. That the intents
// exist needs the store: the api function checks it.
func (s Settings) checkVoiceMenu(p *Problems) {
	if len(s.VoiceMenu) > MaxMenuEntries {
		p.Add("/voice_menu", "%d entries; at most %d (keys 1–9)", len(s.VoiceMenu), MaxMenuEntries)
		return
	}
	seen := map[string]int{}
	for i, e := range s.VoiceMenu {
		at := fmt.Sprintf("/voice_menu/%d", i)
		switch j, dup := seen[e.Digit]; {
		case e.Digit == "0":
			p.Add(at+"/digit", `"0" is always the operator (a person); use 1–9`)
		case !reMenuDigit.MatchString(e.Digit):
			p.Add(at+"/digit", "use one key, 1–9")
		case dup:
			p.Add(at+"/digit", "repeats /voice_menu/%d", j)
		default:
			seen[e.Digit] = i
		}
		switch {
		case !ValidID(e.Intent):
			p.Add(at+"/intent", "required; "+IDRule)
		case e.Intent == OutOfScopeIntent:
			p.Add(at+"/intent", "the out-of-scope intent %q cannot be picked", OutOfScopeIntent)
		}
		checkText(p, at+"/label", e.Label, MaxMenuLabelLen, false)
		for _, lang := range sortedLangs(e.Label) {
			if strings.ContainsAny(e.Label[lang], "\r\n") {
				p.Add(jsonptr.Key(at+"/label", string(lang)), "must be one line")
			}
		}
	}
}

// Idle timeouts of chat conversations (Settings.IdleTimeoutSeconds).
const (
	// DefaultIdleTimeout applies when the settings leave IdleTimeoutSeconds at 0.
	DefaultIdleTimeout = 30 * time.Minute
	// MinIdleTimeoutSeconds and MaxIdleTimeoutSeconds bound a tenant's choice: a minute to a day.
	MinIdleTimeoutSeconds = 60
	MaxIdleTimeoutSeconds = 24 * 60 * 60
)

// IdleTimeout is how long a chat conversation of these settings may go without a turn.
func (s Settings) IdleTimeout() time.Duration {
	if s.IdleTimeoutSeconds <= 0 {
		return DefaultIdleTimeout
	}
	return time.Duration(s.IdleTimeoutSeconds) * time.Second
}

// DefaultLowConfidenceTurns is how many not-understood turns in a row hand off when the settings
// leave LowConfidenceTurns at 0.
const DefaultLowConfidenceTurns = 2

var reLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// checkHostPattern accepts a host name ("api.example.com"), a wildcard for its subdomains
// ("*.example.com") or an IP address the egress policy lets a webhook URL name (public, or
// loopback for the local stack); it returns why not, or "".
func checkHostPattern(h string) string {
	const rule = `want a host name ("api.example.com"), "*." and a domain, or an IP address; no scheme, port or path`
	if h == "" || len(h) > 253 {
		return rule
	}
	name, wildcard := strings.CutPrefix(h, "*.")
	kind, err := egress.CheckHost(name)
	switch {
	case err != nil:
		return err.Error()
	case kind != egress.HostName && name != "localhost":
		if wildcard {
			return rule
		}
		return ""
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 && name != "localhost" {
		return rule
	}
	for _, l := range labels {
		if !reLabel.MatchString(l) {
			return rule
		}
	}
	return ""
}

// WebhookHostAllowed reports whether flow webhooks may call host under these settings: any host
// when WebhookHosts is empty, else a host listed exactly (case-insensitive) or a subdomain of a
// "*."-prefixed entry. The chat function checks again at call time.
func (s Settings) WebhookHostAllowed(host string) bool {
	if len(s.WebhookHosts) == 0 {
		return true
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, h := range s.WebhookHosts {
		if h == host {
			return true
		}
		if d, ok := strings.CutPrefix(h, "*"); ok && strings.HasSuffix(host, d) && len(host) > len(d) {
			return true
		}
	}
	return false
}
