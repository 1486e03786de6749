package local

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/devstack"
	"github.com/lingxi/lingxi/infra/logbuf"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/users"
)

// The dispatch function on the local stack: a handoff (contact.created on the stream) reaches an
// available agent as an offer, and the offer nobody answers moves to the next agent through the
// DispatchTimers queue (SQS delay, SQS event source). Deadlines are generous guards, not
// assertions on speed.
func TestDispatchOffersAndTimesOut(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack")
	}
	log := &logbuf.Buffer{}
	l := start(t, t.TempDir(), log)
	defer l.Close()
	ctx := context.Background()
	cfg := aws.Config{Region: "us-east-1", Credentials: devstack.Credentials()}
	ddb := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(l.Stack.Endpoints().DynamoDB) })
	kc := kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.BaseEndpoint = aws.String(l.Stack.Endpoints().Kinesis) })
	db := store.New(ddb, l.Stack.Ref("Table"))
	pub := stream.NewPublisher(kc, l.Stack.Ref("EventStream"))
	fl := floor.New(db, outbox.New(db, pub, slog.New(slog.NewTextHandler(io.Discard, nil))))
	demo, _ := tenant.Parse("demo")

	if err := db.Create(ctx, demo, floor.QueueKey("floor-test"), floor.Queue{ID: "floor-test", Name: "Floor test",
		Skills: []string{"floor-test"}, OfferTimeoutSeconds: floor.MinOfferTimeout}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"usr_floora", "usr_floorb"} {
		u := users.User{ID: id, Username: id, DisplayName: id, Role: users.RoleAgent, Capacity: users.Capacity{Voice: 1, Chat: 1},
			Skills: []users.Skill{{Name: "floor-test", Proficiency: 3}}}
		if err := db.Create(ctx, demo, users.Key(id), u); err != nil {
			t.Fatal(err)
		}
		if _, err := fl.SetState(ctx, demo, id, floor.AgentAvailable, "self", "user/"+id); err != nil {
			t.Fatal(err)
		}
	}
	created, err := events.New(demo, events.TypeContactCreated, "conv-floor-1", "lingxi.chat", events.ContactCreated{
		Channel: events.ChannelChat, Queue: "floor-test", Reason: events.ReasonCustomerRequest})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish(ctx, created); err != nil {
		t.Fatal(err)
	}

	offered := func(not string, within time.Duration) floor.Contact {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			c, _, err := fl.Contact(ctx, demo, "conv-floor-1")
			if err == nil && c.State == floor.StateOffered && c.Offer.AgentID != not {
				return c
			}
			if err != nil && !errors.Is(err, floor.ErrNotFound) || time.Now().After(deadline) {
				t.Fatalf("no offer (to someone but %q) within %v: %+v %v\n%s", not, within, c, err, log.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	first := offered("", time.Minute)
	if len(first.Decisions) != 1 || first.Decisions[0].Why == "" {
		t.Fatalf("decision not recorded: %+v", first.Decisions)
	}
	// Nobody answers: after the offer timeout (5 s) the contact goes to the other agent.
	second := offered(first.Offer.AgentID, 2*time.Minute)
	p, _, err := fl.Presence(ctx, demo, first.Offer.AgentID)
	if err != nil || p.Missed != 1 || len(p.Slots) != 0 {
		t.Fatalf("%s after the timeout: %+v %v", first.Offer.AgentID, p, err)
	}
	c, err := fl.Accept(ctx, demo, second.ID, second.Offer.ID, second.Offer.AgentID)
	if err != nil || c.State != floor.StateAssigned {
		t.Fatalf("accept: %+v %v", c, err)
	}
	t.Logf("offered to %s, timed out, offered to %s after %v", first.Offer.AgentID, second.Offer.AgentID, second.Offer.At.Sub(first.Offer.At))
}
