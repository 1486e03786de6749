package console

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/devstack"
	"github.com/lingxi/lingxi/infra/local"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/inspect"
	"github.com/lingxi/lingxi/shared/push"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// quality runs web/tests/quality.mjs: when the page is ready, the test pushes a qa_violation of
// the demo tenant to its supervisors through the @connections API, the message and the call the
// feedback function's inspector makes when a running contact breaks a live rule (infra/local's
// TestExperienceEndToEnd drives the inspector itself); the script finds it in the panel.
func (s *stack) quality(t *testing.T) {
	ctx := context.Background()
	cfg := aws.Config{Region: "us-east-1", Credentials: devstack.Credentials()}
	ddb := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(s.l.Stack.Endpoints().DynamoDB) })
	db := store.New(ddb, s.l.Stack.Ref("Table"))
	wsURL := s.l.Stack.WebSocketURL("AgentsApi")
	sender := push.NewSender(push.NewRegistry(db), push.NewClient(cfg, "http"+wsURL[len("ws"):]))
	demo, err := tenant.Parse(local.DemoTenant)
	if err != nil {
		t.Fatal(err)
	}
	contact := fmt.Sprintf("conv-quality-%d", time.Now().UnixNano())
	form := inspect.DefaultForm()
	msg := inspect.Alert{Type: inspect.TypeAlert, ContactID: contact, Channel: events.ChannelChat, AgentID: "usr_quality", FormID: form.ID,
		RuleID: "forbidden-words", RuleName: "The agent uses no forbidden words", Kind: inspect.ForbiddenPhrase, Speaker: inspect.Agent,
		Turn: 3, Detail: `said "not my problem"`, At: time.Now().UTC()}
	s.scriptTurns(t, "quality.mjs", func(what string) error {
		if what != "push" {
			return fmt.Errorf("the script asked for %q", what)
		}
		return sender.NotifyRole(ctx, demo, auth.RoleSupervisor, msg)
	}, "QA_CONTACT="+contact, "QA_RULE_NAME="+msg.RuleName, "QA_AGENT="+msg.AgentID, "QA_DETAIL="+msg.Detail)
}
