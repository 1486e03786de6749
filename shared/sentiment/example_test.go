package sentiment_test

import (
	"fmt"

	"github.com/lingxi/lingxi/shared/sentiment"
)

func ExampleModel_Predict() {
	m := sentiment.Default()
	for _, text := range []string{"客服态度太差了，我要投诉", "Thank you so much, the problem is solved", "请问怎么修改收货地址"} {
		r := m.Predict(text)
		fmt.Println(r.Label, r.Emotion)
	}
	// Output:
	// negative anger
	// positive gratitude
	// neutral
}

func ExampleLabelFromCSAT() {
	for _, csat := range []int{1, 3, 5, 9} {
		l, ok := sentiment.LabelFromCSAT(csat)
		fmt.Println(csat, l, ok)
	}
	// Output:
	// 1 negative true
	// 3 neutral true
	// 5 positive true
	// 9  false
}
