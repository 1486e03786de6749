package sentiment

import "testing"

func TestDefaultReadsObviousMessages(t *testing.T) {
	m := Default()
	cases := map[string]Label{
		"你们的服务太差了，我要投诉":                         Negative,
		"等了两个小时还没人理我":                           Negative,
		"东西坏了，一直没人处理":                           Negative,
		"非常感谢，问题解决了":                            Positive,
		"客服很耐心，非常满意":                            Positive,
		"请问怎么修改收货地址":                            Neutral,
		"This is terrible, I want a refund now": Negative,
		"Nobody answered my emails for a week":  Negative,
		"Thank you so much, great service":      Positive,
		"The agent was very helpful":            Positive,
		"How do I change my password":           Neutral,
		"我的快递还没到，really disappointed":           Negative,
	}
	for text, want := range cases {
		if got := m.Predict(text); got.Label != want {
			t.Errorf("%q: got %+v, want %s", text, got, want)
		}
	}
}
