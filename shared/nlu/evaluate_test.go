package nlu

import (
	"math"
	"testing"
)

func TestScore(t *testing.T) {
	truth := []string{"a", "a", "b", "b", "oos", "oos"}
	pred := []string{"a", "b", "b", "b", "oos", "a"}
	r := score(truth, pred)
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %.4f, want %.4f", name, got, want)
		}
	}
	near("accuracy", r.Accuracy, 4.0/6)
	near("in-scope accuracy", r.InScopeAccuracy, 3.0/4)
	near("oos recall", r.OOSRecall, 0.5)
	near("oos precision", r.OOSPrecision, 1)
	// a: P 1/2 R 1/2 F1 1/2; b: P 2/3 R 1 F1 0.8; oos: P 1 R 1/2 F1 2/3.
	near("macro-F1", r.MacroF1, (0.5+0.8+2.0/3)/3)
	if r.InScopeN != 4 || r.OOSN != 2 || len(r.Intents) != 3 {
		t.Errorf("counts: in %d oos %d intents %d", r.InScopeN, r.OOSN, len(r.Intents))
	}
	if len(r.Confusions) != 2 || r.Confusions[0] != (Confusion{True: "a", Predicted: "b", Count: 1}) {
		t.Errorf("confusions = %+v", r.Confusions)
	}
}

func TestScoreRejectionWithoutOOSLabels(t *testing.T) {
	// A rejected message is wrong when the data has no out-of-scope class,
	// and the oos label does not dilute macro-F1.
	r := score([]string{"a", "b"}, []string{"a", "oos"})
	if r.Accuracy != 0.5 || r.OOSN != 0 || r.MacroF1 != 0.5 {
		t.Errorf("accuracy %.2f oosN %d macro-F1 %.2f, want 0.5, 0, 0.5", r.Accuracy, r.OOSN, r.MacroF1)
	}
}
