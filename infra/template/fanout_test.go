package template

import (
	"slices"
	"strings"
	"testing"
)

// getAttAttr returns the attribute a {"Fn::GetAtt": [X, attr]} (or "X.attr") names, or "".
func getAttAttr(v any) string {
	g, ok := m(v)["Fn::GetAtt"]
	if !ok {
		return ""
	}
	if parts := l(g); len(parts) == 2 {
		return s(parts[1])
	}
	_, attr, _ := strings.Cut(s(g), ".")
	return attr
}

// Dispatch, forecast and feedback read the event stream through enhanced fan-out consumers of their own
// (pushed records, not a poll a second: dispatch's offers are what an agent waits on; feedback's
// spike alerts are due within minutes; forecast's counting sees every record without taking from the polling budget of five reads a second per
// shard that the other consumers share), registered on the stream; each role may subscribe to
// shards through its own consumer and describe it. Every other stream consumer polls the stream
// itself, since each fan-out consumer is billed per shard hour.
func TestOnlyDispatchReadsThroughEnhancedFanOut(t *testing.T) {
	tpl := load(t)
	own := map[string]string{"DispatchFunction": "DispatchStreamConsumer", "ForecastFunction": "ForecastStreamConsumer",
		"FeedbackFunction": "FeedbackStreamConsumer"}
	var consumers []string
	for id, r := range tpl.Resources {
		if r.Type != "AWS::Kinesis::StreamConsumer" {
			continue
		}
		consumers = append(consumers, id)
		if target := refTarget(r.Properties["StreamARN"]); tpl.Resources[target] == nil || tpl.Resources[target].Type != "AWS::Kinesis::Stream" {
			t.Errorf("%s: StreamARN does not name a declared stream", id)
		}
		if r.Properties["ConsumerName"] == nil {
			t.Errorf("%s: no ConsumerName", id)
		}
	}
	slices.Sort(consumers)
	if !slices.Equal(consumers, []string{"DispatchStreamConsumer", "FeedbackStreamConsumer", "ForecastStreamConsumer"}) {
		t.Fatalf("stream consumers %v, want DispatchStreamConsumer, FeedbackStreamConsumer and ForecastStreamConsumer", consumers)
	}
	for _, fn := range functions(tpl) {
		for name, ev := range m(fn.Properties["Events"]) {
			if s(m(ev)["Type"]) != "Kinesis" {
				continue
			}
			stream := m(m(ev)["Properties"])["Stream"]
			target := refTarget(stream)
			mine, ok := own[fn.LogicalID]
			switch {
			case ok && (target != mine || getAttAttr(stream) != "ConsumerARN"):
				t.Errorf("%s.%s: Stream is not %s.ConsumerARN", fn.LogicalID, name, mine)
			case !ok && tpl.Resources[target] != nil && tpl.Resources[target].Type == "AWS::Kinesis::StreamConsumer":
				t.Errorf("%s.%s reads through another function's fan-out consumer", fn.LogicalID, name)
			}
		}
	}
	for fn, consumer := range own {
		granted := map[string]bool{}
		for _, pol := range l(tpl.Resources[fn].Properties["Policies"]) {
			for _, st := range l(m(pol)["Statement"]) {
				if refTarget(m(st)["Resource"]) != consumer || getAttAttr(m(st)["Resource"]) != "ConsumerARN" {
					continue
				}
				for _, a := range l(m(st)["Action"]) {
					granted[s(a)] = true
				}
			}
		}
		for _, a := range []string{"kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer"} {
			if !granted[a] {
				t.Errorf("%s may not %s on %s", fn, a, consumer)
			}
		}
	}
}
