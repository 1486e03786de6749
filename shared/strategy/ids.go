package strategy

import "time"

// DecisionID is the id of the decision made at the minute of at: "20060102T1504" in UTC (the
// store's key; one decision per tenant and minute).
func DecisionID(at time.Time) string { return at.UTC().Format("20060102T1504") }

// ActivationID is the id of strategy k's activation on queue by decision: "act-" + decision +
// "-" + queue + "-" + k, unique per tenant.
func ActivationID(decision, queue string, k Kind) string {
	return "act-" + decision + "-" + queue + "-" + string(k)
}
