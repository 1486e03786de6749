package template

import (
	"slices"
	"strconv"
	"testing"
)

// An SQS consumer takes small batches, reports partial failures, may poll and delete on its queue,
// and its queue hides a message longer than the function can run (so no second delivery starts
// while the first may still be working) and moves a message that keeps failing to a declared
// dead-letter queue that keeps it at least as long.
func TestQueueConsumers(t *testing.T) {
	tpl := load(t)
	consumers := 0
	for _, fn := range functions(tpl) {
		for name, ev := range m(fn.Properties["Events"]) {
			if s(m(ev)["Type"]) != "SQS" {
				continue
			}
			consumers++
			where := fn.LogicalID + "." + name
			p := m(m(ev)["Properties"])
			if n, ok := p["BatchSize"].(int); !ok || n < 1 || n > 10 {
				t.Errorf("%s: BatchSize %v must be 1-10", where, p["BatchSize"])
			}
			if !slices.ContainsFunc(l(p["FunctionResponseTypes"]), func(v any) bool { return s(v) == "ReportBatchItemFailures" }) {
				t.Errorf("%s: FunctionResponseTypes lacks ReportBatchItemFailures", where)
			}
			qid := refTarget(p["Queue"])
			q := tpl.Resources[qid]
			if q == nil || q.Type != "AWS::SQS::Queue" {
				t.Errorf("%s: Queue %v is not a declared queue", where, p["Queue"])
				continue
			}
			timeout, _ := fn.Properties["Timeout"].(int) // Globals are merged in
			if vis, _ := q.Properties["VisibilityTimeout"].(int); vis <= timeout {
				t.Errorf("%s: %s's VisibilityTimeout %d is not longer than the function's timeout %d", where, qid, vis, timeout)
			}
			// A function of reserved executions shared with another source (the dispatch
			// function's stream) bounds the queue's share, below the reserve's default.
			if reserved := fn.Properties["ReservedConcurrentExecutions"]; reserved != nil && len(m(fn.Properties["Events"])) > 1 {
				max, _ := m(p["ScalingConfig"])["MaximumConcurrency"].(int)
				var def int
				if d := tpl.Parameters[refTarget(reserved)].Default; d != nil {
					def, _ = strconv.Atoi(*d)
				}
				if max < 2 || max > 5 || def-max < 4 {
					t.Errorf("%s: ScalingConfig.MaximumConcurrency %d must be 2-5 and leave at least 4 (a new on-demand stream's shards) of ReservedConcurrentExecutions' default %d", where, max, def)
				}
				if vis, _ := q.Properties["VisibilityTimeout"].(int); vis < 6*timeout {
					t.Errorf("%s: %s's VisibilityTimeout %d is under six times the function's timeout %d", where, qid, vis, timeout)
				}
			}
			redrive := m(q.Properties["RedrivePolicy"])
			dlq := tpl.Resources[refTarget(redrive["deadLetterTargetArn"])]
			if dlq == nil || dlq.Type != "AWS::SQS::Queue" {
				t.Errorf("%s: %s has no declared dead-letter queue", where, qid)
			} else if keep, _ := dlq.Properties["MessageRetentionPeriod"].(int); keep < q.Properties["MessageRetentionPeriod"].(int) {
				t.Errorf("%s: the dead-letter queue keeps messages %d s, less than %s (%v s)", where, keep, qid, q.Properties["MessageRetentionPeriod"])
			}
			if n, ok := redrive["maxReceiveCount"].(int); !ok || n < 1 || n > 10 {
				t.Errorf("%s: maxReceiveCount %v must be 1-10", where, redrive["maxReceiveCount"])
			}
			granted := map[string]bool{}
			for _, pol := range l(fn.Properties["Policies"]) {
				for _, st := range l(m(pol)["Statement"]) {
					if refTarget(m(st)["Resource"]) != qid {
						continue
					}
					for _, a := range l(m(st)["Action"]) {
						granted[s(a)] = true
					}
				}
			}
			for _, a := range []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"} {
				if !granted[a] {
					t.Errorf("%s: no %s on %s", where, a, qid)
				}
			}
		}
	}
	if consumers == 0 {
		t.Fatal("no SQS consumer found; the test would prove nothing")
	}
}
