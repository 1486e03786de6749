package sentiment

// Metrics are a model's figures on a labelled test set.
type Metrics struct {
	N           int     `json:"n"`
	Accuracy    float64 `json:"accuracy"`
	MacroRecall float64 `json:"macro_recall"` // mean recall over the labels present in the test set
	MacroF1     float64 `json:"macro_f1"`     // mean F1 over the same labels
	// Recall and Support are per label present in the test set.
	Recall  map[Label]float64 `json:"recall"`
	Support map[Label]int     `json:"support"`
	// Confusion counts gold → predicted.
	Confusion map[Label]map[Label]int `json:"confusion"`
}

// Evaluate predicts every test example and scores the predictions.
func Evaluate(m *Model, test []Example) Metrics {
	pred := make([]Label, len(test))
	for i, ex := range test {
		pred[i] = m.Predict(ex.Text).Label
	}
	return Score(test, pred)
}

// Score computes the metrics of predictions against the gold labels of
// test (pred[i] is test[i]'s prediction).
func Score(test []Example, pred []Label) Metrics {
	m := Metrics{N: len(test), Recall: map[Label]float64{}, Support: map[Label]int{}, Confusion: map[Label]map[Label]int{}}
	if len(test) == 0 {
		return m
	}
	predicted := map[Label]int{}
	hits := map[Label]int{}
	correct := 0
	for i, ex := range test {
		m.Support[ex.Label]++
		predicted[pred[i]]++
		if m.Confusion[ex.Label] == nil {
			m.Confusion[ex.Label] = map[Label]int{}
		}
		m.Confusion[ex.Label][pred[i]]++
		if pred[i] == ex.Label {
			correct++
			hits[ex.Label]++
		}
	}
	m.Accuracy = float64(correct) / float64(len(test))
	for _, l := range labelOrder {
		n := m.Support[l]
		if n == 0 {
			continue
		}
		r := float64(hits[l]) / float64(n)
		m.Recall[l] = r
		m.MacroRecall += r
		if p := predicted[l]; p > 0 && hits[l] > 0 {
			prec := float64(hits[l]) / float64(p)
			m.MacroF1 += 2 * prec * r / (prec + r)
		}
	}
	m.MacroRecall /= float64(len(m.Recall))
	m.MacroF1 /= float64(len(m.Recall))
	return m
}
