package nlu_test

import (
	"fmt"

	"github.com/lingxi/lingxi/shared/nlu"
)

// A tenant with a few intents and an FAQ: the classifier takes what it
// knows, retrieval answers the FAQ questions no intent covers.
func ExampleEngine() {
	train := []nlu.Example{
		{Text: "i lost my card", Intent: "card_lost"},
		{Text: "my card was stolen", Intent: "card_lost"},
		{Text: "block my card please", Intent: "card_lost"},
		{Text: "what is my balance", Intent: "balance"},
		{Text: "how much money do i have", Intent: "balance"},
		{Text: "show my account balance", Intent: "balance"},
		{Text: "tell me a joke", Intent: nlu.OutOfScopeLabel},
		{Text: "what's the weather like", Intent: nlu.OutOfScopeLabel},
		{Text: "play some music", Intent: nlu.OutOfScopeLabel},
	}
	model, err := nlu.Train(train, nlu.Options{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	kb := nlu.NewIndex()
	kb.Add("faq-opening-hours", "when are your branches open")
	kb.Add("faq-opening-hours", "opening hours of the branch")
	kb.Add("faq-fees", "what fees do you charge for foreign payments")

	engine := &nlu.Engine{Model: model, Index: kb}
	r := engine.Understand("someone stole my card")
	fmt.Println(r.Intent, r.OutOfScope)
	r = engine.Understand("what are the opening hours of the branch")
	fmt.Println(r.OutOfScope, r.Answer)
	// Output:
	// card_lost false
	// true faq-opening-hours
}
