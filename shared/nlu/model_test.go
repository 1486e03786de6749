package nlu

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// smallData is a tiny two-language training set with out-of-scope examples.
func smallData() []Example {
	raw := map[string][]string{
		"card_lost": {
			"i lost my card", "my card was stolen", "someone stole my credit card",
			"i can't find my card anywhere", "card missing please block it", "lost card",
			"我的卡丢了", "信用卡被偷了", "银行卡找不到了", "卡丢了怎么办",
		},
		"balance": {
			"what is my balance", "how much money do i have", "check my account balance",
			"show me my balance please", "balance on my account", "how much is left in my account",
			"查询余额", "我的余额是多少", "账户里还有多少钱", "看一下余额",
		},
		"transfer": {
			"send money to my friend", "transfer 50 pounds to alice", "i want to make a transfer",
			"how do i transfer money", "wire money abroad", "move money to savings",
			"我要转账", "给朋友转钱", "怎么汇款", "转账到储蓄账户",
		},
		OutOfScopeLabel: {
			"what's the weather tomorrow", "tell me a joke", "who won the football match",
			"play some music", "how tall is mount everest", "recommend a pizza place",
			"明天天气怎么样", "讲个笑话", "播放音乐", "珠穆朗玛峰有多高",
		},
	}
	var out []Example
	for _, intent := range []string{"card_lost", "balance", "transfer", OutOfScopeLabel} {
		for _, t := range raw[intent] {
			out = append(out, Example{Text: t, Intent: intent})
		}
	}
	return out
}

func trainSmall(t *testing.T, opts Options) *Model {
	t.Helper()
	if opts.Seed == 0 {
		opts.Seed = 7
	}
	m, err := Train(smallData(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTrainPredict(t *testing.T) {
	m := trainSmall(t, Options{})
	tests := map[string]string{
		"my card got stolen yesterday": "card_lost",
		"my crad was stolen":           "card_lost", // typo
		"what's my balance":            "balance",
		"i'd like to transfer money":   "transfer",
		"我的信用卡丢了":                      "card_lost",
		"余额多少":                         "balance",
		"转账给妈妈":                        "transfer",
	}
	for text, want := range tests {
		if got := m.Predict(text); got.Intent != want {
			t.Errorf("Predict(%q) = %+v, want %s", text, got, want)
		}
	}
	if p := m.Predict("鳄鱼"); !p.OutOfScope || p.Intent != "" {
		t.Errorf("unknown text: %+v, want out of scope with no intent", p)
	}
	if v := m.Validation(); v == nil || v.N != len(smallData()) {
		t.Errorf("validation report = %+v, want one over all examples", v)
	}
	if m.Temperature() <= 0 {
		t.Errorf("temperature %.3f", m.Temperature())
	}
	ranked := m.Ranked("lost my card", 2)
	if len(ranked) != 2 || ranked[0].Intent != "card_lost" || ranked[0].Probability < ranked[1].Probability {
		t.Errorf("Ranked = %+v", ranked)
	}
}

func TestTrainDeterministic(t *testing.T) {
	a := trainSmall(t, Options{Workers: 1})
	b := trainSmall(t, Options{Workers: 3})
	if a.Version() != b.Version() {
		t.Errorf("versions differ with the worker count: %s vs %s", a.Version(), b.Version())
	}
	ba, _ := a.Marshal()
	bb, _ := b.Marshal()
	if !bytes.Equal(ba, bb) {
		t.Error("marshalled models differ")
	}
	c := trainSmall(t, Options{Seed: 99})
	if c.Version() == a.Version() {
		t.Log("a different seed gave the same model (possible on tiny data)")
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	m := trainSmall(t, Options{MLPWeight: 1}) // with the network
	if m.net == nil {
		t.Fatal("no network with MLPWeight 1")
	}
	data, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if back.Version() != m.Version() || back.Threshold() != m.Threshold() || back.Temperature() != m.Temperature() {
		t.Errorf("metadata changed: %s %v %v", back.Version(), back.Threshold(), back.Temperature())
	}
	if !slices.Equal(back.Intents(), m.Intents()) {
		t.Errorf("intents %v, want %v", back.Intents(), m.Intents())
	}
	for _, ex := range append(smallData(), Example{Text: "totally new words here"}, Example{Text: ""}) {
		if a, b := m.Predict(ex.Text), back.Predict(ex.Text); a != b {
			t.Errorf("%q: %+v after round trip, %+v before", ex.Text, b, a)
		}
	}
	again, err := back.Marshal()
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("re-marshalled bytes differ (err %v)", err)
	}
	if r := back.Validation(); r == nil || r.Accuracy != m.Validation().Accuracy {
		t.Error("validation report lost in the round trip")
	}
}

func TestUnmarshalRejects(t *testing.T) {
	m := trainSmall(t, Options{CalibrationFolds: 1})
	data, _ := m.Marshal()
	if _, err := Unmarshal(data[:len(data)/2]); err == nil {
		t.Error("truncated model: no error")
	}
	f := m.file()
	f.Format = "lingxi-nlu/0"
	f.Fingerprint = f.digest()
	var buf bytes.Buffer
	if err := gobEncode(&buf, &f); err != nil {
		t.Fatal(err)
	}
	if _, err := Unmarshal(buf.Bytes()); !errors.Is(err, ErrFormat) {
		t.Errorf("old format: err = %v, want ErrFormat", err)
	}
	f = m.file()
	f.Fingerprint = "tampered"
	buf.Reset()
	if err := gobEncode(&buf, &f); err != nil {
		t.Fatal(err)
	}
	if _, err := Unmarshal(buf.Bytes()); err == nil {
		t.Error("fingerprint mismatch: no error")
	}
}

func TestTrainErrors(t *testing.T) {
	tests := map[string][]Example{
		"no examples": nil,
		"one intent":  {{Text: "a", Intent: "x"}, {Text: "b", Intent: "x"}},
		"empty label": {{Text: "a", Intent: "x"}, {Text: "b"}},
	}
	for name, ex := range tests {
		if _, err := Train(ex, Options{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestProgressReachesTotal(t *testing.T) {
	var mu sync.Mutex
	var last Progress
	maxDone := 0
	trainSmall(t, Options{Progress: func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		last = p
		maxDone = max(maxDone, p.Done)
	}})
	// 3 calibration folds + the final model; 4 intents + 10 softmax epochs
	// + 15 network epochs each.
	if last.Total != 4*(4+10+15) || maxDone != last.Total || last.Stage != "final" {
		t.Errorf("last progress %+v, max done %d", last, maxDone)
	}
}

func TestCalibrationSet(t *testing.T) {
	calib := []Example{
		{Text: "my card is gone", Intent: "card_lost"},
		{Text: "how much do i have", Intent: "balance"},
		{Text: "pay my sister", Intent: "transfer"},
		{Text: "sing a song", Intent: OutOfScopeLabel},
		{Text: "what is love", Intent: "philosophy"}, // unknown intent: counts as out of scope
	}
	m := trainSmall(t, Options{Calibration: calib})
	if v := m.Validation(); v == nil || v.N != len(calib) || v.OOSN != 2 {
		t.Errorf("validation = %+v, want %d examples, 2 out of scope", v, len(calib))
	}
}

func TestStratifiedFolds(t *testing.T) {
	var labels []string
	for i := range 103 {
		labels = append(labels, fmt.Sprint("c", i%7))
	}
	fold := StratifiedFolds(labels, 5, 1)
	per := map[[2]int]int{}
	size := make([]int, 5)
	for i, f := range fold {
		per[[2]int{i % 7, f}]++
		size[f]++
	}
	for c := range 7 {
		lo, hi := 1<<30, 0
		for f := range 5 {
			lo, hi = min(lo, per[[2]int{c, f}]), max(hi, per[[2]int{c, f}])
		}
		if hi-lo > 1 {
			t.Errorf("class %d spread %d..%d over folds", c, lo, hi)
		}
	}
	if slices.Max(size)-slices.Min(size) > 1 {
		t.Errorf("fold sizes %v", size)
	}
	if !slices.Equal(fold, StratifiedFolds(labels, 5, 1)) {
		t.Error("not deterministic")
	}
}

// synthetic150 makes n examples per intent for 150 intents: each intent has
// its own keywords, mixed with common filler words, in sentences of 6–12
// words, like short customer messages.
func synthetic150(n int, seed uint64) []Example {
	rng := rand.New(rand.NewPCG(seed, 150))
	word := func() string {
		b := make([]byte, 3+rng.IntN(7))
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
		}
		return string(b)
	}
	filler := make([]string, 300)
	for i := range filler {
		filler[i] = word()
	}
	keys := make([][]string, 150)
	for i := range keys {
		for range 8 {
			keys[i] = append(keys[i], word())
		}
	}
	var out []Example
	for c := range 150 {
		for range n {
			var ws []string
			for range 6 + rng.IntN(7) {
				if rng.IntN(3) == 0 {
					ws = append(ws, keys[c][rng.IntN(8)])
				} else {
					ws = append(ws, filler[rng.IntN(300)])
				}
			}
			out = append(out, Example{Text: fmt.Sprint(ws), Intent: fmt.Sprintf("intent_%03d", c)})
		}
	}
	return out
}

func TestChooseNetWeight(t *testing.T) {
	// Two rows, two classes. The linear scores get row 0 right and row 1
	// wrong; the network's log-probabilities fix row 1 from weight 0.25 on
	// and never break row 0.
	lin := []float32{1, 0, 1, 0.8}
	net := []float32{0, -0.5, -1, 0}
	labels := []int32{0, 1}
	if got := chooseNetWeight(lin, net, labels, 2); got != 0.25 {
		t.Errorf("weight = %v, want 0.25 (smallest with both right)", got)
	}
	if got := chooseNetWeight(lin, make([]float32, 4), labels, 2); got != 0 {
		t.Errorf("useless network: weight = %v, want 0", got)
	}
}
