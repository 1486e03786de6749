package topics_test

import (
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/topics"
)

func Example() {
	texts := []string{
		"my refund has not arrived after the return",
		"where is my refund for the returned shoes",
		"refund still missing after returning the parcel",
		"花呗还款失败了怎么办",
		"花呗还款一直失败",
		"这个月花呗还款不成功",
		"do you sell gift cards",
	}
	var msgs []topics.Message
	for i, t := range texts {
		msgs = append(msgs, topics.Message{ID: fmt.Sprint(i), Text: t})
	}
	tr := topics.NewTracker(topics.TrackOptions{})
	for _, t := range tr.Update(topics.Cluster(msgs, topics.Options{}), time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)) {
		fmt.Println(t.ID, t.Size, t.Phrases[0])
	}
	id, _, ok := tr.Assign("花呗还款总是失败")
	fmt.Println(id, ok)
	_, _, ok = tr.Assign("what time do you open on sunday")
	fmt.Println(ok)
	// Output:
	// t-1 3 refund
	// t-2 3 花呗还款
	// t-2 true
	// false
}
