package push

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// posterFunc adapts a function to Poster.
type posterFunc func(id string) error

func (f posterFunc) PostToConnection(_ context.Context, in *apigatewaymanagementapi.PostToConnectionInput, _ ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	return &apigatewaymanagementapi.PostToConnectionOutput{}, f(*in.ConnectionId)
}

func (f posterFunc) DeleteConnection(context.Context, *apigatewaymanagementapi.DeleteConnectionInput, ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error) {
	return nil, errors.New("no connection is closed in this test")
}

// A fan-out tries every connection however many fail: gone ones are removed, other failures come
// back joined, naming each connection, and the rest are delivered.
func TestFanOutTriesEveryConnection(t *testing.T) {
	ctx := t.Context()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	reg := NewRegistry(store.New(ddb, table))
	acme, _ := tenant.Parse("acme")
	for i := range 30 {
		if err := reg.Add(ctx, acme, Conn{ID: fmt.Sprintf("s%02d", i), UserID: fmt.Sprintf("usr_%d", i), Role: auth.RoleSupervisor}); err != nil {
			t.Fatal(err)
		}
	}
	if err := reg.Add(ctx, acme, Conn{ID: "admin", UserID: "usr_admin", Role: auth.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	delivered := map[string]bool{}
	s := &Sender{reg: reg, api: posterFunc(func(id string) error {
		switch id {
		case "s03", "s17":
			return &types.GoneException{}
		case "s05":
			return errors.New("throttled")
		}
		mu.Lock()
		delivered[id] = true
		mu.Unlock()
		return nil
	})}
	err := s.NotifyRole(ctx, acme, auth.RoleSupervisor, map[string]string{"type": "wallboard"})
	if err == nil || !strings.Contains(err.Error(), "s05") || !strings.Contains(err.Error(), "throttled") {
		t.Fatalf("err = %v, want the s05 failure", err)
	}
	if len(delivered) != 28 || !delivered["admin"] {
		t.Fatalf("delivered to %d connections (admin %v), want 27 supervisors and the admin", len(delivered), delivered["admin"])
	}
	left, err := reg.ForRole(ctx, acme, auth.RoleSupervisor)
	if err != nil || len(left) != 28 {
		t.Fatalf("%d supervisors' connections left, want 28 (two gone): %v", len(left), err)
	}
}
