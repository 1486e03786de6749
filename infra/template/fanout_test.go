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

// Dispatch alone reads the event stream through an enhanced fan-out consumer (pushed records, not
// a poll a second: its offers are what an agent waits on), registered on the stream; its role may
// subscribe to shards through that consumer and describe it. Every other stream consumer polls the
// stream itself, since each fan-out consumer is billed per shard hour.
func TestOnlyDispatchReadsThroughEnhancedFanOut(t *testing.T) {
	tpl := load(t)
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
	if !slices.Equal(consumers, []string{"DispatchStreamConsumer"}) {
		t.Fatalf("stream consumers %v, want DispatchStreamConsumer alone", consumers)
	}
	for _, fn := range functions(tpl) {
		for name, ev := range m(fn.Properties["Events"]) {
			if s(m(ev)["Type"]) != "Kinesis" {
				continue
			}
			stream := m(m(ev)["Properties"])["Stream"]
			viaConsumer := refTarget(stream) == "DispatchStreamConsumer"
			switch {
			case fn.LogicalID == "DispatchFunction" && (!viaConsumer || getAttAttr(stream) != "ConsumerARN"):
				t.Errorf("%s.%s: Stream is not DispatchStreamConsumer.ConsumerARN", fn.LogicalID, name)
			case fn.LogicalID != "DispatchFunction" && viaConsumer:
				t.Errorf("%s.%s reads through dispatch's fan-out consumer", fn.LogicalID, name)
			}
		}
	}
	granted := map[string]bool{}
	for _, pol := range l(tpl.Resources["DispatchFunction"].Properties["Policies"]) {
		for _, st := range l(m(pol)["Statement"]) {
			if refTarget(m(st)["Resource"]) != "DispatchStreamConsumer" || getAttAttr(m(st)["Resource"]) != "ConsumerARN" {
				continue
			}
			for _, a := range l(m(st)["Action"]) {
				granted[s(a)] = true
			}
		}
	}
	for _, a := range []string{"kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer"} {
		if !granted[a] {
			t.Errorf("DispatchFunction may not %s on DispatchStreamConsumer", a)
		}
	}
}
