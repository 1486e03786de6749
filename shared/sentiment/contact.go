package sentiment

// ContactThreshold is the mean score beyond which a contact counts as
// negative (below -ContactThreshold) or positive (above it) in Contact.
const ContactThreshold = 0.2

// Contact sums up a contact from the results of the customer's messages, in
// order: Score is their mean, with the later half of the conversation
// counting twice (how it ends weighs more than how it began); Label comes
// from the score and ContactThreshold; Emotion is the one most messages
// carry, the latest winning a tie. No messages give a neutral result.
func Contact(messages []Result) Result {
	if len(messages) == 0 {
		return Result{Label: Neutral}
	}
	var sum, weights float64
	counts := map[string]int{}
	latest := map[string]int{}
	for i, r := range messages {
		w := 1.0
		if 2*i >= len(messages) {
			w = 2
		}
		sum += w * r.Score
		weights += w
		if r.Emotion != "" {
			counts[r.Emotion]++
			latest[r.Emotion] = i
		}
	}
	out := Result{Score: sum / weights, Label: Neutral}
	switch {
	case out.Score < -ContactThreshold:
		out.Label = Negative
	case out.Score > ContactThreshold:
		out.Label = Positive
	}
	for e, n := range counts {
		if b := counts[out.Emotion]; out.Emotion == "" || n > b || n == b && latest[e] > latest[out.Emotion] {
			out.Emotion = e
		}
	}
	return out
}
