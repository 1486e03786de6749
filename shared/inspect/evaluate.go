package inspect

import (
	"fmt"
	"strings"
)

// Violation is one breach of a rule. Detail is safe to show anyone who may see the contact's
// score: the form's phrase, a count, a score or a gap, never the customer's words.
type Violation struct {
	RuleID string   `json:"rule_id" dynamodbav:"rule_id"`
	Kind   RuleKind `json:"kind" dynamodbav:"kind"`
	// Turn is the index in the transcript of the turn that breached the rule; -1 when the rule
	// is about the contact as a whole (a required phrase never said, the speaking share).
	Turn    int     `json:"turn" dynamodbav:"turn"`
	Speaker Speaker `json:"speaker,omitempty" dynamodbav:"speaker,omitempty"`
	Detail  string  `json:"detail" dynamodbav:"detail"`
	// AtMS is when, from the contact's first turn (the contact's end for a whole-contact rule).
	AtMS int64 `json:"at_ms" dynamodbav:"at_ms"`
}

// RuleResult is how a contact fared on one rule.
type RuleResult struct {
	RuleID string   `json:"rule_id" dynamodbav:"rule_id"`
	Kind   RuleKind `json:"kind" dynamodbav:"kind"`
	Weight int      `json:"weight" dynamodbav:"weight"`
	// Applicable is false when the contact has nothing the rule can read (no turn of its speaker,
	// no agent, no timings); such a rule is left out of the score.
	Applicable bool `json:"applicable" dynamodbav:"applicable"`
	Passed     bool `json:"passed" dynamodbav:"passed"`
	Violations int  `json:"violations" dynamodbav:"violations"`
	// Note says why the rule did not apply.
	Note string `json:"note,omitempty" dynamodbav:"note,omitempty"`
}

// Outcome is a whole contact inspected with a form.
type Outcome struct {
	Score      float64      `json:"score"`
	Rules      []RuleResult `json:"rules"`
	Violations []Violation  `json:"violations"`
}

func speaks(rule, turn Speaker) bool { return rule == Any || rule == turn }

// Live returns the violations turn i of tr raises on f's live rules (forbidden phrases, card
// numbers, negative emotion, and a silence that ended with it), the earlier turns as context.
func Live(f Form, tr []Turn, i int) []Violation {
	var out []Violation
	for _, r := range f.Rules {
		if !r.Kind.Live() {
			continue
		}
		if v, ok := turnViolation(r, NewPhrases(r.Phrases), tr, i); ok {
			out = append(out, v)
		}
	}
	return out
}

// turnViolation checks one live rule on turn i.
func turnViolation(r Rule, ph Phrases, tr []Turn, i int) (Violation, bool) {
	t := tr[i]
	v := Violation{RuleID: r.ID, Kind: r.Kind, Turn: i, Speaker: t.Speaker, AtMS: t.StartMS}
	switch r.Kind {
	case ForbiddenPhrase:
		if speaks(r.Speaker, t.Speaker) {
			if p, ok := ph.Find(t.Text); ok {
				v.Detail = "said " + quote(p)
				return v, true
			}
		}
	case CardNumber:
		if speaks(r.Speaker, t.Speaker) {
			if n := t.Cards + len(FindCards(t.Text)); n > 0 {
				v.Detail = fmt.Sprintf("%d card number(s)", n)
				return v, true
			}
		}
	case NegativeEmotion:
		if speaks(r.Speaker, t.Speaker) && t.Sentiment != nil && r.Threshold != nil && *t.Sentiment < *r.Threshold {
			v.Detail = fmt.Sprintf("sentiment %.2f below %.2f", *t.Sentiment, *r.Threshold)
			return v, true
		}
	case Silence:
		if i == 0 || !agentBefore(tr, i) {
			return v, false
		}
		gap := t.StartMS - tr[i-1].EndMS
		if gap > int64(r.Seconds)*1000 {
			v.Detail = fmt.Sprintf("%d s of silence (at most %d s)", gap/1000, r.Seconds)
			v.AtMS = tr[i-1].EndMS
			return v, true
		}
	}
	return v, false
}

// agentBefore says whether an agent spoke before turn i: silence counts only once an agent is on
// the contact (a queue's wait is not the agent's silence).
func agentBefore(tr []Turn, i int) bool {
	for _, t := range tr[:i] {
		if t.Speaker == Agent {
			return true
		}
	}
	return false
}

// Evaluate inspects the whole transcript with f: every rule's result, every violation in turn
// order per rule, and the weighted score.
func Evaluate(f Form, tr []Turn) Outcome {
	out := Outcome{Rules: make([]RuleResult, 0, len(f.Rules)), Violations: []Violation{}}
	var endMS int64
	for _, t := range tr {
		endMS = max(endMS, t.EndMS)
	}
	for _, r := range f.Rules {
		res := RuleResult{RuleID: r.ID, Kind: r.Kind, Weight: r.Weight, Applicable: true}
		var vs []Violation
		switch r.Kind {
		case ForbiddenPhrase, CardNumber, NegativeEmotion, Silence:
			res.Applicable, res.Note = liveApplies(r, tr)
			if res.Applicable {
				ph := NewPhrases(r.Phrases)
				for i := range tr {
					if v, ok := turnViolation(r, ph, tr, i); ok {
						vs = append(vs, v)
					}
				}
			}
		case RequiredPhrase:
			var v Violation
			var ok bool
			v, ok, res.Applicable, res.Note = required(r, tr, endMS)
			if ok {
				vs = append(vs, v)
			}
		case TalkOver:
			vs, res.Applicable, res.Note = talkOver(r, tr)
		case SpeakingShare:
			var v Violation
			var ok bool
			v, ok, res.Applicable, res.Note = share(r, tr, endMS)
			if ok {
				vs = append(vs, v)
			}
		}
		res.Violations, res.Passed = len(vs), len(vs) == 0
		out.Rules = append(out.Rules, res)
		out.Violations = append(out.Violations, vs...)
	}
	out.Score = Score(out.Rules)
	return out
}

// liveApplies says whether a live rule has anything to read in tr, and why not.
func liveApplies(r Rule, tr []Turn) (bool, string) {
	switch r.Kind {
	case Silence:
		for i, t := range tr {
			if t.Speaker == Agent && i+1 < len(tr) {
				return true, ""
			}
		}
		return false, "no agent turn with a turn after it (an untranscribed agent side has no gaps to measure)"
	case NegativeEmotion:
		for _, t := range tr {
			if speaks(r.Speaker, t.Speaker) && t.Sentiment != nil {
				return true, ""
			}
		}
		return false, "no scored turn of " + string(r.Speaker)
	}
	for _, t := range tr {
		if speaks(r.Speaker, t.Speaker) {
			return true, ""
		}
	}
	return false, "no turn of " + string(r.Speaker)
}

// required checks a required phrase: one of the phrases within the speaker's first or last Turns
// turns.
func required(r Rule, tr []Turn, endMS int64) (v Violation, violated, applicable bool, note string) {
	var idx []int
	for i, t := range tr {
		if speaks(r.Speaker, t.Speaker) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return v, false, false, "no turn of " + string(r.Speaker)
	}
	n := min(r.Turns, len(idx))
	window := idx[:n]
	if r.Within == Last {
		window = idx[len(idx)-n:]
	}
	ph := NewPhrases(r.Phrases)
	for _, i := range window {
		if _, ok := ph.Find(tr[i].Text); ok {
			return v, false, true, ""
		}
	}
	detail := fmt.Sprintf("none of %s in the %s %d turn(s) of %s", phraseList(r.Phrases), r.Within, r.Turns, r.Speaker)
	return Violation{RuleID: r.ID, Kind: r.Kind, Turn: -1, Speaker: r.Speaker, Detail: detail, AtMS: endMS}, true, true, ""
}

// talkOver counts overlaps of an agent's and a customer's timed turns of MinOverlapMS or more.
func talkOver(r Rule, tr []Turn) ([]Violation, bool, string) {
	minMS := int64(r.MinOverlapMS)
	if minMS == 0 {
		minMS = DefaultMinOverlapMS
	}
	var agent, cust []int
	for i, t := range tr {
		switch {
		case !t.timed():
		case t.Speaker == Agent:
			agent = append(agent, i)
		case t.Speaker == Customer:
			cust = append(cust, i)
		}
	}
	if len(agent) == 0 || len(cust) == 0 {
		return nil, false, "needs speech timings of both the agent and the customer (chat has none; calls transcribe only the caller today)"
	}
	var out []Violation
	for _, a := range agent {
		for _, c := range cust {
			ta, tc := tr[a], tr[c]
			overlap := min(ta.EndMS, tc.EndMS) - max(ta.StartMS, tc.StartMS)
			if overlap < minMS {
				continue
			}
			later := a // the one who started second talked over the other
			if tc.StartMS > ta.StartMS {
				later = c
			}
			out = append(out, Violation{RuleID: r.ID, Kind: r.Kind, Turn: later, Speaker: tr[later].Speaker,
				Detail: fmt.Sprintf("%.1f s of overlap", float64(overlap)/1000), AtMS: max(ta.StartMS, tc.StartMS)})
		}
	}
	return out, true, ""
}

// share checks the agent's share of the words (or talk time) against [Min, Max].
func share(r Rule, tr []Turn, endMS int64) (v Violation, violated, applicable bool, note string) {
	var agent, others float64
	for _, t := range tr {
		if t.Speaker == Bot {
			continue
		}
		var n float64
		if r.Measure == ByTime {
			if !t.timed() {
				continue
			}
			n = float64(t.EndMS - t.StartMS)
		} else {
			n = float64(Words(t.Text))
		}
		if t.Speaker == Agent {
			agent += n
		} else {
			others += n
		}
	}
	if agent == 0 || others == 0 {
		what := "words"
		if r.Measure == ByTime {
			what = "timed speech"
		}
		return v, false, false, "needs " + what + " of both the agent and the customer"
	}
	s := agent / (agent + others)
	if (r.Min != nil && s < *r.Min) || (r.Max != nil && s > *r.Max) {
		return Violation{RuleID: r.ID, Kind: r.Kind, Turn: -1, Speaker: Agent, AtMS: endMS,
			Detail: fmt.Sprintf("agent's share %.2f outside %s", s, bounds(r.Min, r.Max))}, true, true, ""
	}
	return v, false, true, ""
}

func bounds(lo, hi *float64) string {
	l, h := 0.0, 1.0
	if lo != nil {
		l = *lo
	}
	if hi != nil {
		h = *hi
	}
	return fmt.Sprintf("[%.2f, %.2f]", l, h)
}

func quote(s string) string { return "“" + s + "”" }

// phraseList names up to three phrases.
func phraseList(ps []string) string {
	q := make([]string, 0, 3)
	for _, p := range ps[:min(3, len(ps))] {
		q = append(q, quote(p))
	}
	s := strings.Join(q, ", ")
	if len(ps) > 3 {
		s += fmt.Sprintf(" (+%d)", len(ps)-3)
	}
	return s
}
