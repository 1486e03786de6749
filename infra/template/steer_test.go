package template

import (
	"slices"
	"testing"
	"time"

	steerhandler "github.com/lingxi/lingxi/functions/steer/handler"
)

// The dispatch engine's function runs every minute, within its timeout, with exactly the access it
// needs: the table (no scans, no updates), the stream for its events, and the @connections API for
// CallIn's notifications.
func TestSteerFunction(t *testing.T) {
	tpl := load(t)
	fn := tpl.Resources["SteerFunction"]
	if fn == nil {
		t.Fatal("no SteerFunction")
	}
	p := fn.Properties
	if s(p["CodeUri"]) != "functions/steer" {
		t.Errorf("CodeUri %v", p["CodeUri"])
	}
	var schedules []string
	for _, ev := range m(p["Events"]) {
		if s(m(ev)["Type"]) == "Schedule" {
			schedules = append(schedules, s(m(m(ev)["Properties"])["Schedule"]))
		} else {
			t.Errorf("event of type %v: the engine runs on its schedule only", m(ev)["Type"])
		}
	}
	if !slices.Equal(schedules, []string{"rate(1 minute)"}) {
		t.Errorf("schedules %v, want [rate(1 minute)]", schedules)
	}
	timeout, _ := p["Timeout"].(int)
	if run := steerhandler.RunBudget + steerhandler.Margin; time.Duration(timeout)*time.Second < run || timeout > 60 {
		t.Errorf("Timeout %d s: a run takes up to %v and must end before the next minute's", timeout, run)
	}
	var actions []string
	for _, pol := range l(p["Policies"]) {
		for _, st := range l(m(pol)["Statement"]) {
			for _, a := range l(m(st)["Action"]) {
				if !slices.Contains(actions, s(a)) {
					actions = append(actions, s(a))
				}
			}
		}
	}
	slices.Sort(actions)
	want := []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:TransactWriteItems",
		"execute-api:ManageConnections", "kinesis:PutRecords"}
	if !slices.Equal(actions, want) {
		t.Errorf("actions %v\nwant    %v", actions, want)
	}
}
