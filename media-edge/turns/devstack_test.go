package turns_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lingxi/lingxi/infra/local"
	"github.com/lingxi/lingxi/infra/logbuf"
	"github.com/lingxi/lingxi/media-edge/turns"
	"github.com/lingxi/lingxi/shared/tenant"
)

// The edge's client through the local stack as `make run` brings it up: the real aws-sdk-go-v2
// Lambda client, configured the way the edge is (AWS_ENDPOINT_URL_LAMBDA, any credentials),
// invokes the real chat function binary through devstack's Invoke API and runs a call of the
// demo bank: the greeting when the call is answered, the lost-card flow by speech and keypad.
func TestTurnsThroughDevstack(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack")
	}
	log := &logbuf.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	l, err := local.Start(ctx, local.Options{Template: "../../template.yaml", StateDir: t.TempDir(), Log: log, Edge: local.EdgeOptions{Off: true}})
	if err != nil {
		t.Fatalf("start: %v\n%s", err, log.String())
	}
	defer l.Close()
	defer func() {
		if t.Failed() {
			t.Logf("stack log:\n%s", log.String())
		}
	}()

	t.Setenv("AWS_ENDPOINT_URL_LAMBDA", l.Stack.LambdaURL())
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDEDGE", "edge-secret", "")))
	if err != nil {
		t.Fatal(err)
	}
	c := turns.New(lambda.NewFromConfig(cfg), l.Stack.Ref("ChatFunction"))
	demo, err := tenant.Parse(local.DemoTenant)
	if err != nil {
		t.Fatal(err)
	}
	call := turns.Input{CallID: "e2e-1@127.0.0.1", Caller: "+8613800138000", Dialled: "+862160000000", Language: "zh"}

	r, err := c.Turn(ctx, demo, call)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != turns.StateActive || r.Language != "zh" || len(r.Actions) != 2 || r.Actions[0].Type != turns.Say ||
		!strings.HasPrefix(r.Actions[0].Text, "您好，我是演示银行智能助手，请问有什么可以帮您？") || !strings.Contains(r.Actions[0].Text, "请按1") ||
		r.Actions[1].Type != turns.Gather {
		t.Fatalf("answer: %+v", r)
	}
	call.Text, call.Confidence = "我的银行卡丢了", 0.9
	if r, err = c.Turn(ctx, demo, call); err != nil || !said(r, "请告诉我这张卡卡号的后四位。") || !gathers(r, 4) {
		t.Fatalf("lost card: %+v %v", r, err)
	}
	call.Text, call.DTMF = "", "4321"
	if r, err = c.Turn(ctx, demo, call); err != nil || r.State != turns.StateActive || len(r.Actions) == 0 {
		t.Fatalf("last four digits by keypad: %+v %v", r, err)
	}

	// The same function by its ARN; an unknown function is Lambda's ResourceNotFoundException.
	byARN := turns.New(lambda.NewFromConfig(cfg), "arn:aws:lambda:us-east-1:000000000000:function:"+l.Stack.Ref("ChatFunction"))
	if r, err := byARN.Turn(ctx, demo, turns.Input{CallID: "e2e-2@127.0.0.1"}); err != nil || r.State != turns.StateActive {
		t.Fatalf("by ARN: %+v %v", r, err)
	}
	if _, err := turns.New(lambda.NewFromConfig(cfg), "NoSuchFunction").Turn(ctx, demo, turns.Input{CallID: "x"}); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("unknown function: %v", err)
	}
	// A refused turn is a typed problem, not a function error: the call is over.
	_, err = c.Turn(ctx, demo, turns.Input{CallID: "e2e-1@127.0.0.1", Text: strings.Repeat("长", 5000)})
	var pe *turns.Error
	if !errors.As(err, &pe) || pe.Status != 400 || errors.Is(err, turns.ErrFunction) {
		t.Fatalf("too long an utterance: %v", err)
	}
}

func said(r turns.Reply, text string) bool {
	for _, a := range r.Actions {
		if a.Type == turns.Say && a.Text == text {
			return true
		}
	}
	return false
}

func gathers(r turns.Reply, digits int) bool {
	for _, a := range r.Actions {
		if a.Type == turns.Gather && a.DTMF && a.MaxDigits == digits {
			return true
		}
	}
	return false
}
