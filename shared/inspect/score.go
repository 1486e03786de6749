package inspect

import "math"

// Score is the weighted share of the applicable rules passed, 0–100 to one decimal: each
// applicable rule of weight w adds w to the whole and, when passed, to the part. With no
// applicable weight (a contact nothing could be checked on) the score is 100.
func Score(rules []RuleResult) float64 {
	var part, whole int
	for _, r := range rules {
		if !r.Applicable || r.Weight <= 0 {
			continue
		}
		whole += r.Weight
		if r.Passed {
			part += r.Weight
		}
	}
	if whole == 0 {
		return 100
	}
	return math.Round(1000*float64(part)/float64(whole)) / 10
}

// Override is a reviewer's verdict on one rule of a contact: passed or not, whatever the
// automatic inspection found, with a note why.
type Override struct {
	RuleID string `json:"rule_id" dynamodbav:"rule_id" jsonschema:"minLength=1,maxLength=64,pattern=^[a-z0-9][a-z0-9_-]*$"`
	Passed bool   `json:"passed" dynamodbav:"passed"`
	Note   string `json:"note,omitempty" dynamodbav:"note,omitempty" jsonschema:"maxLength=500"`
}

// Rescore applies overrides to the automatic results: an overridden rule counts as applicable
// with the reviewer's verdict. It returns the new results and score; the automatic ones are not
// changed. An override naming no rule of the results is reported by its index.
func Rescore(auto []RuleResult, overrides []Override) ([]RuleResult, float64, []int) {
	out := make([]RuleResult, len(auto))
	copy(out, auto)
	var unknown []int
	for i, o := range overrides {
		found := false
		for j := range out {
			if out[j].RuleID == o.RuleID {
				out[j].Applicable, out[j].Passed, found = true, o.Passed, true
			}
		}
		if !found {
			unknown = append(unknown, i)
		}
	}
	return out, Score(out), unknown
}
