package inspect

import (
	"testing"
)

// FuzzEvaluate inspects arbitrary transcripts (texts and timings from the stream, which nobody
// checks for sense) with the default form: it never fails, the score stays within 0–100, every
// violation points at a turn of the transcript or at the whole contact, and Live on each turn
// finds a subset of what Evaluate finds there.
func FuzzEvaluate(f *testing.F) {
	f.Add("您好，很高兴为您服务", "我的卡号是四幺幺幺 幺幺幺幺 幺幺幺幺 幺幺幺幺", "not my problem", int64(0), int64(5000), int64(-3), 0.5)
	f.Add("", "", "", int64(9e15), int64(-9e15), int64(1), -2.0)
	form := DefaultForm()
	f.Fuzz(func(t *testing.T, agent, customer, other string, a, b, c int64, senti float64) {
		tr := []Turn{
			{Speaker: Agent, Text: agent, StartMS: a, EndMS: b, Sentiment: &senti},
			{Speaker: Customer, Text: customer, StartMS: b, EndMS: c},
			{Speaker: Bot, Text: other, StartMS: c, EndMS: a},
			{Speaker: Agent, Text: other, StartMS: c, EndMS: c, Sentiment: &senti},
		}
		out := Evaluate(form, tr)
		if out.Score < 0 || out.Score > 100 {
			t.Fatalf("score %v", out.Score)
		}
		perTurn := map[int]map[string]bool{}
		for _, v := range out.Violations {
			if v.Turn < -1 || v.Turn >= len(tr) {
				t.Fatalf("violation %+v points outside the transcript", v)
			}
			if perTurn[v.Turn] == nil {
				perTurn[v.Turn] = map[string]bool{}
			}
			perTurn[v.Turn][v.RuleID] = true
		}
		for i := range tr {
			for _, v := range Live(form, tr, i) {
				if !perTurn[i][v.RuleID] {
					t.Fatalf("live found %+v on turn %d; the whole contact did not", v, i)
				}
			}
		}
	})
}
