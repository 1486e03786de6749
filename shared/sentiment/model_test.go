package sentiment

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
)

func TestScoreMaths(t *testing.T) {
	test := []Example{{Label: Negative}, {Label: Negative}, {Label: Neutral}, {Label: Positive}, {Label: Positive}, {Label: Positive}}
	pred := []Label{Negative, Positive, Neutral, Positive, Positive, Neutral}
	m := Score(test, pred)
	// Recalls: negative 1/2, neutral 1/1, positive 2/3.
	wantMR := (0.5 + 1 + 2.0/3) / 3
	if m.N != 6 || math.Abs(m.Accuracy-4.0/6) > 1e-12 || math.Abs(m.MacroRecall-wantMR) > 1e-12 {
		t.Fatalf("got %+v, want accuracy 4/6, macro recall %v", m, wantMR)
	}
	// Precisions: negative 1/1, neutral 1/2, positive 2/3.
	f1 := func(p, r float64) float64 { return 2 * p * r / (p + r) }
	wantF1 := (f1(1, 0.5) + f1(0.5, 1) + f1(2.0/3, 2.0/3)) / 3
	if math.Abs(m.MacroF1-wantF1) > 1e-12 {
		t.Errorf("macro F1 %v, want %v", m.MacroF1, wantF1)
	}
	if m.Confusion[Positive][Neutral] != 1 || m.Support[Positive] != 3 {
		t.Errorf("confusion %v support %v", m.Confusion, m.Support)
	}
	// A binary test set averages over its two labels only.
	b := Score([]Example{{Label: Negative}, {Label: Positive}}, []Label{Negative, Negative})
	if b.MacroRecall != 0.5 || len(b.Recall) != 2 {
		t.Errorf("binary: %+v", b)
	}
}

func TestBinaryDataGivesBinaryModel(t *testing.T) {
	var ex []Example
	for i := range 10 {
		ex = append(ex, Example{Text: fmt.Sprintf("房间干净 服务好 %d", i), Label: Positive}, Example{Text: fmt.Sprintf("房间脏 服务差 %d", i), Label: Negative})
	}
	m, err := Train(ex, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Labels(); len(got) != 2 || got[0] != Negative || got[1] != Positive {
		t.Fatalf("labels %v", got)
	}
	if r := m.Predict("服务好"); r.Label != Positive || r.Score <= 0 {
		t.Errorf("服务好: %+v", r)
	}
	if r := m.Predict("服务差"); r.Label != Negative || r.Score >= 0 {
		t.Errorf("服务差: %+v", r)
	}
}

func TestTrainRefuses(t *testing.T) {
	if _, err := Train(nil, Options{}); !errors.Is(err, errNoExamples) {
		t.Errorf("no examples: %v", err)
	}
	if _, err := Train([]Example{{Text: "a", Label: Positive}}, Options{}); !errors.Is(err, errOneLabel) {
		t.Errorf("one label: %v", err)
	}
	if _, err := Train([]Example{{Text: "a", Label: "happy"}}, Options{}); !errors.Is(err, errBadLabel) {
		t.Errorf("bad label: %v", err)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	m := Default()
	blob, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Model
	if err := back.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"太差了", "thanks a lot!", "请问几点开门", "", "混合 mixed 文本 :("} {
		if a, b := m.Predict(text), back.Predict(text); a != b {
			t.Errorf("%q: %+v before, %+v after", text, a, b)
		}
	}
	blob[len(blob)/2] ^= 0xff
	if err := new(Model).UnmarshalBinary(blob); !errors.Is(err, ErrFormat) {
		t.Errorf("corrupted bytes: %v", err)
	}
	if err := new(Model).UnmarshalBinary([]byte("nope")); !errors.Is(err, ErrFormat) {
		t.Errorf("garbage: %v", err)
	}
}

func TestPredictConcurrently(t *testing.T) {
	m := Default()
	want := m.Predict("客服态度太差")
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if got := m.Predict("客服态度太差"); got != want {
					errs <- fmt.Sprintf("%+v != %+v", got, want)
					return
				}
				m.Predict("thank you so much")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestLabelFromCSAT(t *testing.T) {
	want := map[int]Label{1: Negative, 2: Negative, 3: Neutral, 4: Positive, 5: Positive}
	for csat := -1; csat <= 7; csat++ {
		l, ok := LabelFromCSAT(csat)
		if w, known := want[csat]; ok != known || l != w {
			t.Errorf("CSAT %d: %q %v", csat, l, ok)
		}
	}
}

func TestTrainTenantLearnsTheTenantsWords(t *testing.T) {
	text := "直播一直卡顿掉帧"
	before := Default().Predict(text)
	var own []Example
	for _, s := range []string{"画面卡顿", "游戏卡顿严重", "总是掉帧", "卡顿到没法玩", "一直掉帧卡顿"} {
		own = append(own, Example{Text: s, Label: Negative})
	}
	m, err := TrainTenant(t.Context(), nil, own, Options{})
	if err != nil {
		t.Fatal(err)
	}
	after := m.Predict(text)
	if after.Label != Negative || after.Score >= before.Score {
		t.Errorf("%q: before %+v, after %+v", text, before, after)
	}
	if r := m.Predict("非常感谢，问题解决了"); r.Label != Positive {
		t.Errorf("the tenant model forgot the seed: %+v", r)
	}
}

func TestEmotion(t *testing.T) {
	m := Default()
	cases := map[string]string{
		"你们这是骗子公司，我要投诉！":                              EmotionAnger,
		"This is a scam, I'm furious":                 EmotionAnger,
		"快递还没到，我很着急，怎么办":                              EmotionAnxiety,
		"I'm worried, my refund still hasn't arrived": EmotionAnxiety,
		"本以为会很好，太失望了":                                 EmotionDisappointment,
		"Really disappointed with the update":         EmotionDisappointment,
		"谢谢你，问题解决了":                                   EmotionGratitude,
		"Thank you so much, great help":               EmotionGratitude,
		"请问怎么修改地址":                                    "",
	}
	for text, want := range cases {
		if got := m.Predict(text); got.Emotion != want {
			t.Errorf("%q: got %+v, want emotion %q", text, got, want)
		}
	}
	// Thanks that thank no one are not gratitude.
	if got := emotionOf("thanks for nothing", Result{Label: Negative, Score: -0.8}); got != EmotionAnger {
		t.Errorf("thanks for nothing: %q", got)
	}
}

func FuzzPredict(f *testing.F) {
	f.Add("不满意!!! not good :( http://x.y @u 😡")
	f.Add("但是\u0301'")
	m := Default()
	f.Fuzz(func(t *testing.T, text string) {
		r := m.Predict(text)
		if !r.Label.Valid() || r.Score < -1-1e-9 || r.Score > 1+1e-9 || math.IsNaN(r.Score) {
			t.Fatalf("%q: %+v", text, r)
		}
	})
}

func TestContact(t *testing.T) {
	if got := Contact(nil); got.Label != Neutral || got.Score != 0 {
		t.Errorf("no messages: %+v", got)
	}
	// Weights 1, 1, 2, 2: (-0.8 - 0.6 + 2·0.1 + 2·0.2) / 6 = -0.1333.
	got := Contact([]Result{
		{Score: -0.8, Emotion: EmotionAnger}, {Score: -0.6, Emotion: EmotionAnxiety},
		{Score: 0.1}, {Score: 0.2, Emotion: EmotionAnxiety},
	})
	if got.Label != Neutral || math.Abs(got.Score-(-0.8/6)) > 1e-12 || got.Emotion != EmotionAnxiety {
		t.Errorf("mixed contact: %+v", got)
	}
	got = Contact([]Result{{Score: -0.9, Emotion: EmotionAnger}, {Score: -0.5, Emotion: EmotionDisappointment}})
	if got.Label != Negative || got.Emotion != EmotionDisappointment {
		t.Errorf("negative contact (tie goes to the latest emotion): %+v", got)
	}
}
