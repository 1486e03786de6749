package dialog_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/dialog"
)

func ExampleParseFlow() {
	_, err := dialog.ParseFlow([]byte(`{
	  "id": "colours",
	  "steps": [
	    {"id": "ask", "kind": "ask", "slot": {"name": "c", "type": "colour"},
	     "prompt": {"en": "Which colour?"}, "next": "finish"}
	  ]
	}`))
	var fe *dialog.FlowError
	if errors.As(err, &fe) {
		for _, is := range fe.Issues {
			fmt.Println(is)
		}
	}
	// Output:
	// /steps/0/slot/type: unknown slot type "colour" (use enum, number, amount, date, phone, card_last4 or text)
	// /steps/0/prompt/zh: required: the flow speaks zh
	// /steps/0/on_fail: required when the flow has no on_fail
	// /steps/0/next: no step with id "finish"
}

func ExampleEngine() {
	flow, err := dialog.ParseFlow([]byte(`{
	  "id": "balance", "on_fail": "agent",
	  "steps": [
	    {"id": "ask_card", "kind": "ask", "slot": {"name": "card", "type": "card_last4"},
	     "prompt": {"en": "Which card (last four digits)?", "zh": "请问是尾号多少的卡？"}, "next": "ok"},
	    {"id": "ok", "kind": "end", "outcome": "resolved",
	     "text": {"en": "Card {{card}}: your balance is in the app.", "zh": "尾号{{card}}的卡余额请在App中查看。"}},
	    {"id": "agent", "kind": "end", "outcome": "handoff", "queue": "general",
	     "text": {"en": "Let me find a colleague.", "zh": "正在为您转接人工。"}}
	  ]
	}`))
	if err != nil {
		panic(err)
	}
	e := dialog.NewEngine(dialog.Config{})
	ctx := context.Background()

	st, out, _ := e.Start(ctx, flow, dialog.StartInput{ConversationID: "c-1", Text: "查一下余额"})
	fmt.Println(out[0].Type, out[0].Prompt, out[0].DTMF, out[0].MaxDigits)
	st, out, _ = e.Turn(ctx, flow, st, dialog.Input{Text: "一二三四"})
	for _, o := range out {
		switch o.Type {
		case dialog.OutputSay:
			fmt.Println("say:", o.Text)
		case dialog.OutputEnd:
			fmt.Println("end:", o.Outcome)
		}
	}
	fmt.Println(st.Done, st.Slots["card"])

	// The same flow in English, answered on the keypad.
	st, _, _ = e.Start(ctx, flow, dialog.StartInput{Text: "What's my balance?"})
	_, out, _ = e.Turn(ctx, flow, st, dialog.Input{DTMF: "0042#"})
	fmt.Println(out[0].Text)
	// Output:
	// gather 请问是尾号多少的卡？ true 4
	// say: 尾号1234的卡余额请在App中查看。
	// end: resolved
	// true 1234
	// Card 0042: your balance is in the app.
}

func ExampleVerifySignature() {
	secret := []byte("whsec_from_the_console")
	body := []byte(`{"flow_id":"lost_card","step":"verify"}`)
	now := time.Unix(1763712000, 0)
	ts := "1763712000"
	header := dialog.Sign(secret, ts, body) // what Lingxi sends as X-Lingxi-Signature

	fmt.Println(dialog.VerifySignature(secret, ts, body, header, now, 5*time.Minute))
	err := dialog.VerifySignature(secret, ts, []byte(`{"flow_id":"other"}`), header, now, 5*time.Minute)
	fmt.Println(errors.Is(err, dialog.ErrSignature))
	err = dialog.VerifySignature(secret, ts, body, header, now.Add(time.Hour), 5*time.Minute)
	fmt.Println(errors.Is(err, dialog.ErrTimestamp))
	// Output:
	// <nil>
	// true
	// true
}

func ExampleExtractAmount() {
	for _, s := range []string{"¥500", "五百块", "五块五", "$20.50", "20 dollars", "1.5万元"} {
		a, _ := dialog.ExtractAmount(s)
		fmt.Println(a)
	}
	// Output:
	// 500.00 CNY
	// 500.00 CNY
	// 5.50 CNY
	// 20.50 USD
	// 20.00 USD
	// 15000.00 CNY
}

func ExampleExtractDate() {
	now := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC) // a Thursday
	for _, s := range []string{"明天", "后天", "11月21日", "Nov 21", "next Monday", "下周三", "一九九零年五月一日"} {
		d, _ := dialog.ExtractDate(s, now, time.UTC)
		fmt.Println(d.Format("2006-01-02"))
	}
	// Output:
	// 2025-11-21
	// 2025-11-22
	// 2025-11-21
	// 2025-11-21
	// 2025-11-24
	// 2025-11-26
	// 1990-05-01
}

func ExampleExtractCardLast4() {
	for _, s := range []string{"尾号1234", "I lost my card ending in 0042", "last four digits are 9876", "一二三四"} {
		d, _ := dialog.ExtractCardLast4(s)
		fmt.Println(d)
	}
	// Output:
	// 1234
	// 0042
	// 9876
	// 1234
}
