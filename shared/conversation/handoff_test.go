package conversation

import "testing"

func TestWantsPerson(t *testing.T) {
	tests := map[string]bool{
		"转人工":                              true,
		"人工客服":                             true,
		"我要转人工！":                           true,
		"请帮我转人工吧":                          true,
		"找客服":                              true,
		"人工":                               true,
		"人工。":                              true,
		"客服":                               true,
		"能不能让真人来回答":                        true,
		"我想找人工服务":                          true,
		"agent":                            true,
		"Agent please":                     true,
		"human":                            true,
		"I want a human":                   true,
		"talk to a person":                 true,
		"Can I speak with a real person?":  true,
		"connect me to an agent":           true,
		"get me a representative":          true,
		"I need a live agent now":          true,
		"my card is lost, talk to someone": true,

		"人工智能是什么":                                 false,
		"不要转人工":                                   false,
		"不用人工客服，我自己查":                             false,
		"我的快递到哪了":                                 false,
		"I am human":                              false,
		"is this a human?":                        false,
		"I don't want to talk to a person":        false,
		"my travel agent booked the wrong flight": false,
		"where is my parcel":                      false,
		"":                                        false,
		"123#":                                    false,
	}
	for text, want := range tests {
		t.Run(text, func(t *testing.T) {
			if got := WantsPerson(text); got != want {
				t.Fatalf("WantsPerson(%q) = %v, want %v", text, got, want)
			}
		})
	}
}
