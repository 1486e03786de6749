package sentiment

// Label is a message's polarity.
type Label string

// The labels. A binary model (trained on data without Neutral) only ever
// predicts Negative or Positive.
const (
	Negative Label = "negative"
	Neutral  Label = "neutral"
	Positive Label = "positive"
)

// labelOrder is the order of a model's classes: every model's labels are a
// subsequence of it.
var labelOrder = []Label{Negative, Neutral, Positive}

// Valid reports whether l is one of the three labels.
func (l Label) Valid() bool { return l == Negative || l == Neutral || l == Positive }

// Example is one labelled message.
type Example struct {
	Text  string
	Label Label
	// Weight scales the example's cost in training; 0 means 1. A tenant's
	// own examples are weighted above the seed corpus (TrainTenant).
	Weight float64
}

// LabelFromCSAT turns a survey's CSAT answer into a label for the
// customer's messages of that contact: 1–2 negative, 3 neutral, 4–5
// positive. Other values have no label (false).
func LabelFromCSAT(csat int) (Label, bool) {
	switch csat {
	case 1, 2:
		return Negative, true
	case 3:
		return Neutral, true
	case 4, 5:
		return Positive, true
	}
	return "", false
}
