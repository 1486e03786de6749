package handler

import (
	"testing"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/inspect"
	"github.com/lingxi/lingxi/shared/tenant"
)

// FuzzQAFormBody feeds PUT /v1/qa/forms/{id} arbitrary bodies (seeds: the kept corpus in
// testdata/fuzz/FuzzQAFormBody). Invariants: a form the decoder and Form.Check accept inspects
// any transcript without failing, scores it within 0–100, and every live violation it raises
// makes a qa.violation that passes events.New (its schema), so no accepted form breaks the
// inspector on the stream.
func FuzzQAFormBody(f *testing.F) {
	f.Add([]byte(qaFormJSON))
	f.Add([]byte(`{"name":"x","rules":[{"id":"s","kind":"silence","weight":5,"seconds":1},{"id":"c","kind":"card_number","weight":0,"speaker":"any"},{"id":"n","kind":"negative_emotion","weight":9,"speaker":"customer","threshold":-1}]}`))
	f.Add([]byte(`{"name":"share","rules":[{"id":"sh","kind":"speaking_share","weight":100,"min":0,"max":1,"measure":"time"},{"id":"t","kind":"talk_over","weight":1,"min_overlap_ms":0}]}`))
	acme, _ := tenant.Parse("acme")
	s := func(f float64) *float64 { return &f }
	tr := []inspect.Turn{
		{Speaker: inspect.Customer, Text: "my card 4111 1111 1111 1111, I am angry", EndMS: 3000, Sentiment: s(-1)},
		{Speaker: inspect.Agent, Text: "您好 不归我管 not my problem", StartMS: 2000, EndMS: 90000, Sentiment: s(-1)},
		{Speaker: inspect.Bot, Text: "bye", StartMS: 4000000, EndMS: 4000000},
		{Speaker: inspect.Customer, Text: "四幺幺幺幺幺幺幺幺幺幺幺幺幺幺幺", StartMS: 9000000, EndMS: 9000001, Sentiment: s(1)},
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var b qaFormBody
		if httpapi.DecodeStrictJSON(body, &b) != nil {
			return
		}
		form := inspect.Form{ID: "fuzz", Name: b.Name, Rules: b.Rules}
		if len(form.Check("")) > 0 {
			return
		}
		out := inspect.Evaluate(form, tr)
		if out.Score < 0 || out.Score > 100 || len(out.Rules) != len(form.Rules) {
			t.Fatalf("outcome %+v", out)
		}
		for i := range tr {
			for _, v := range inspect.Live(form, tr, i) {
				_, err := lxevents.New(acme, lxevents.TypeQAViolation, "cv-1", Source, lxevents.QAViolation{ContactID: "cv-1", Channel: lxevents.ChannelChat,
					FormID: form.ID, RuleID: v.RuleID, Kind: lxevents.QARuleKind(v.Kind), Speaker: lxevents.Role(v.Speaker), Turn: v.Turn, Detail: v.Detail, AtMS: v.AtMS})
				if err != nil {
					t.Fatalf("an accepted form makes a bad qa.violation: %v", err)
				}
			}
		}
	})
}
