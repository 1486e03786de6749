package template

import (
	"slices"
	"strings"
	"testing"

	agentshandler "github.com/lingxi/lingxi/functions/agents/handler"
	"github.com/lingxi/lingxi/shared/push"
)

// The agents' WebSocket API routes $connect, $disconnect and $default to the agents function,
// selects routes by the body's action, returns $default's answer (ping → pong) to the client, lets
// only itself invoke the function, and every function that pushes (WEBSOCKET_ENDPOINT) may POST to
// that stage's @connections API and nothing wider.
func TestWebSocketAPI(t *testing.T) {
	tpl := load(t)
	api := tpl.Resources["AgentsApi"]
	if api == nil || api.Type != "AWS::ApiGatewayV2::Api" {
		t.Fatal("no AgentsApi")
	}
	if s(api.Properties["ProtocolType"]) != "WEBSOCKET" || s(api.Properties["RouteSelectionExpression"]) != "$request.body.action" {
		t.Fatalf("AgentsApi: %v", api.Properties)
	}
	integrations := map[string]bool{}
	for id, r := range tpl.Resources {
		if r.Type == "AWS::ApiGatewayV2::Integration" && refTarget(r.Properties["ApiId"]) == "AgentsApi" {
			if s(r.Properties["IntegrationType"]) != "AWS_PROXY" || !strings.Contains(s(m(r.Properties["IntegrationUri"])["Fn::Sub"]), "${AgentsFunction.Arn}") {
				t.Errorf("%s does not proxy to AgentsFunction", id)
			}
			integrations[id] = true
		}
	}
	var keys []string
	for id, r := range tpl.Resources {
		if r.Type != "AWS::ApiGatewayV2::Route" || refTarget(r.Properties["ApiId"]) != "AgentsApi" {
			continue
		}
		key := s(r.Properties["RouteKey"])
		keys = append(keys, key)
		target := strings.TrimPrefix(s(m(r.Properties["Target"])["Fn::Sub"]), "integrations/${")
		if !integrations[strings.TrimSuffix(target, "}")] {
			t.Errorf("route %s (%s) does not target an integration of AgentsApi", id, key)
		}
		if key == agentshandler.RouteDefault && s(r.Properties["RouteResponseSelectionExpression"]) != "$default" {
			t.Errorf("the $default route does not return the function's answer to the client")
		}
	}
	slices.Sort(keys)
	if want := []string{agentshandler.RouteConnect, agentshandler.RouteDefault, agentshandler.RouteDisconnect}; !slices.Equal(keys, want) {
		t.Errorf("routes %v, want %v", keys, want)
	}
	perm := tpl.Resources["AgentsInvokePermission"]
	if perm == nil || refTarget(perm.Properties["FunctionName"]) != "AgentsFunction" || s(perm.Properties["Principal"]) != "apigateway.amazonaws.com" ||
		!strings.Contains(s(m(perm.Properties["SourceArn"])["Fn::Sub"]), "${AgentsApi}/") {
		t.Errorf("AgentsInvokePermission does not limit invoking AgentsFunction to AgentsApi: %v", perm)
	}
	stage := tpl.Resources["AgentsStage"]
	if stage == nil || refTarget(stage.Properties["ApiId"]) != "AgentsApi" {
		t.Fatal("no AgentsStage of AgentsApi")
	}
	const endpoint = "https://${AgentsApi}.execute-api.${AWS::Region}.amazonaws.com/${AgentsStage}"
	for _, fn := range functions(tpl) {
		v, pushes := m(m(fn.Properties["Environment"])["Variables"])[push.EndpointEnv]
		if pushes && s(m(v)["Fn::Sub"]) != endpoint {
			t.Errorf("%s: %s = %v, want !Sub %q", fn.LogicalID, push.EndpointEnv, v, endpoint)
		}
		manages := false
		for _, pol := range l(fn.Properties["Policies"]) {
			for _, st := range l(m(pol)["Statement"]) {
				acts := l(m(st)["Action"])
				if a := s(m(st)["Action"]); a != "" {
					acts = []any{a}
				}
				if slices.ContainsFunc(acts, func(a any) bool { return s(a) == "execute-api:ManageConnections" }) {
					manages = true
					if g := connectionsARN.FindStringSubmatch(s(m(m(st)["Resource"])["Fn::Sub"])); g == nil || g[1] != "AgentsApi" || g[2] != "AgentsStage" {
						t.Errorf("%s: ManageConnections on %v, want AgentsApi's AgentsStage @connections", fn.LogicalID, m(st)["Resource"])
					}
				}
			}
		}
		if pushes != manages {
			t.Errorf("%s: sets %s %v but may manage connections %v", fn.LogicalID, push.EndpointEnv, pushes, manages)
		}
	}
}
