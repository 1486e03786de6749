package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/tenant"
)

// EndpointEnv names the environment variable with the @connections endpoint of the WebSocket
// API's stage: https://{api}.execute-api.{region}.amazonaws.com/{stage} (devstack rewrites it to
// its local port).
const EndpointEnv = "WEBSOCKET_ENDPOINT"

// NewClient returns a management API client for endpoint (the value of EndpointEnv).
func NewClient(cfg aws.Config, endpoint string) *apigatewaymanagementapi.Client {
	return apigatewaymanagementapi.NewFromConfig(cfg, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})
}

// Poster is the part of the management API the sender uses.
type Poster interface {
	PostToConnection(ctx context.Context, in *apigatewaymanagementapi.PostToConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error)
	DeleteConnection(ctx context.Context, in *apigatewaymanagementapi.DeleteConnectionInput, opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error)
}

var _ Poster = (*apigatewaymanagementapi.Client)(nil)

// Sender pushes JSON messages to registered connections.
type Sender struct {
	reg *Registry
	api Poster
}

// NewSender returns a sender that finds connections in reg and posts through api (NewClient).
func NewSender(reg *Registry, api *apigatewaymanagementapi.Client) *Sender {
	return &Sender{reg: reg, api: api}
}

// NotifyUser sends msg to every connection of user userID of t.
func (s *Sender) NotifyUser(ctx context.Context, t tenant.ID, userID string, msg any) error {
	conns, err := s.reg.ForUser(ctx, t, userID)
	if err != nil {
		return err
	}
	return s.send(ctx, t, conns, msg)
}

// NotifyRole sends msg to the connections of t's people with role; supervisors' messages go to
// admins too (an admin sees what a supervisor sees).
func (s *Sender) NotifyRole(ctx context.Context, t tenant.ID, role auth.Role, msg any) error {
	conns, err := s.reg.ForRole(ctx, t, role)
	if err != nil {
		return err
	}
	if role == auth.RoleSupervisor {
		admins, err := s.reg.ForRole(ctx, t, auth.RoleAdmin)
		if err != nil {
			return err
		}
		conns = append(conns, admins...)
	}
	return s.send(ctx, t, conns, msg)
}

// NotifyConversation sends msg to the widget visitors connected to conversation convID of t.
func (s *Sender) NotifyConversation(ctx context.Context, t tenant.ID, convID string, msg any) error {
	conns, err := s.reg.ForConversation(ctx, t, convID)
	if err != nil {
		return err
	}
	return s.send(ctx, t, conns, msg)
}

// Send sends msg to the one connection c of t.
func (s *Sender) Send(ctx context.Context, t tenant.ID, c Conn, msg any) error {
	return s.send(ctx, t, []Conn{c}, msg)
}

// sendConcurrency bounds the posts one send makes at once: a supervisors' fan-out does not wait
// for each connection in turn, and one call never opens more than this many requests.
const sendConcurrency = 8

// send posts msg to each of conns, up to sendConcurrency at once, and returns when every post is
// done. A connection API Gateway answers 410 Gone for is removed from the registry; other failures
// are joined into the error.
func (s *Sender) send(ctx context.Context, t tenant.ID, conns []Conn, msg any) error {
	if len(conns) == 0 {
		return nil
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("push: encode message: %w", err)
	}
	errs := make([]error, len(conns))
	sem := make(chan struct{}, sendConcurrency)
	var wg sync.WaitGroup
	for i, c := range conns {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = s.post(ctx, t, c, data)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// post sends data to one connection; 410 Gone removes it. A person's connection whose session
// ended (signed out, revoked, expired) is closed and removed instead.
func (s *Sender) post(ctx context.Context, t tenant.ID, c Conn, data []byte) error {
	live, err := s.reg.SessionLive(ctx, c)
	if err != nil {
		return err
	}
	if !live {
		return s.close(ctx, t, c)
	}
	_, err = s.api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(c.ID), Data: data})
	var gone *types.GoneException
	switch {
	case err == nil:
		return nil
	case errors.As(err, &gone):
		return s.reg.Remove(ctx, t, c.ID)
	default:
		return fmt.Errorf("push to connection %s: %w", c.ID, err)
	}
}

// close ends connection c (API Gateway then sends $disconnect) and forgets it.
func (s *Sender) close(ctx context.Context, t tenant.ID, c Conn) error {
	_, err := s.api.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(c.ID)})
	var gone *types.GoneException
	if err != nil && !errors.As(err, &gone) {
		return fmt.Errorf("close connection %s of an ended session: %w", c.ID, err)
	}
	return s.reg.Remove(ctx, t, c.ID)
}
