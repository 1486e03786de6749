package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/devstack"
	"github.com/lingxi/lingxi/infra/local"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// strategies runs web/tests/strategies.mjs: when the page is ready for it, the test puts a
// dispatch.strategy "activated" event of the demo tenant on the stream (as the steering function
// would), then its "withdrawn"; the script checks the wallboard's Strategies panel after each.
func (s *stack) strategies(t *testing.T) {
	ctx := context.Background()
	cfg := aws.Config{Region: "us-east-1", Credentials: devstack.Credentials()}
	kc := kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.BaseEndpoint = aws.String(s.l.Stack.Endpoints().Kinesis) })
	pub := stream.NewPublisher(kc, s.l.Stack.Ref("EventStream"))
	demo, err := tenant.Parse(local.DemoTenant)
	if err != nil {
		t.Fatal(err)
	}
	since := time.Now().UTC().Truncate(time.Second)
	until := since.Add(15 * time.Minute)
	act := events.DispatchStrategy{ActivationID: "act-" + since.Format("20060102T1504") + "-general-overflow", Action: events.StrategyActivated,
		Strategy: events.StrategyOverflow, Queue: "general", Source: events.StrategyByEngine, Since: since, Until: &until,
		DecisionID: since.Format("20060102T1504"), GapAgents: 2.4,
		Reason: "A projected gap of 2.4 agents on general: its backup skills take its contacts at once."}
	put := func(d events.DispatchStrategy) error {
		e, err := events.New(demo, events.TypeDispatchStrategy, d.ActivationID, "lingxi.steer", d)
		if err != nil {
			return err
		}
		return pub.Publish(ctx, e)
	}
	s.scriptTurns(t, "strategies.mjs", func(what string) error {
		switch what {
		case "activate":
			return put(act)
		case "withdraw":
			w := act
			w.Action, w.Until, w.GapAgents, w.Reason = events.StrategyWithdrawn, nil, 0, "The gap on general closed 5 minutes ago."
			return put(w)
		}
		return fmt.Errorf("the script asked for %q", what)
	}, "ACTIVATION_ID="+act.ActivationID, "STRATEGY_QUEUE="+act.Queue, "STRATEGY_REASON="+act.Reason)
}

// scriptTurns runs web/tests/<name> like script, taking turns with it: each line "@@ <what>" it
// prints is handed to turn, and "go" is written back to it once turn returned nil (the script waits
// for that line), so the test acts exactly when the page is ready, without sleeping.
func (s *stack) scriptTurns(t *testing.T, name string, turn func(what string) error, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(s.web, "tests", name))
	cmd.Dir = s.web
	cmd.Env = append(s.env, env...)
	cmd.WaitDelay = 5 * time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	var turnErr error
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		what, ok := strings.CutPrefix(line, "@@ ")
		if !ok || turnErr != nil {
			continue
		}
		if turnErr = turn(what); turnErr != nil {
			stdin.Close() // the script reads EOF and fails with the reason
			continue
		}
		if _, err := io.WriteString(stdin, "go\n"); err != nil {
			turnErr = fmt.Errorf("tell the script: %w", err)
		}
	}
	stdin.Close()
	err = cmd.Wait()
	t.Logf("%s:\n%s%s", name, out.String(), stderr.String())
	if turnErr != nil {
		t.Fatalf("%s: %v", name, turnErr)
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}
