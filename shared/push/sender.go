package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

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

// send posts msg to each of conns. A connection API Gateway answers 410 Gone for is removed from
// the registry; other failures are joined into the error after every connection was tried.
func (s *Sender) send(ctx context.Context, t tenant.ID, conns []Conn, msg any) error {
	if len(conns) == 0 {
		return nil
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("push: encode message: %w", err)
	}
	var errs []error
	for _, c := range conns {
		_, err := s.api.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(c.ID), Data: data})
		var gone *types.GoneException
		switch {
		case err == nil:
		case errors.As(err, &gone):
			if err := s.reg.Remove(ctx, t, c.ID); err != nil {
				errs = append(errs, err)
			}
		default:
			errs = append(errs, fmt.Errorf("push to connection %s: %w", c.ID, err))
		}
	}
	return errors.Join(errs...)
}
