package template

import (
	"time"

	"fmt"
	"github.com/lingxi/lingxi/media-edge/config"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/infra/devstack"
)

// edgeParams are what a deployment of the media edge passes.
func edgeParams(trunks string) map[string]string {
	return map[string]string{
		"AdminKeySha256": strings.Repeat("ab", 32),
		"EdgeImageTag":   "v1", "EdgeVpcId": "vpc-1", "EdgeSubnets": "subnet-1,subnet-2",
		"TrunkCidrs": trunks,
	}
}

func evaluate(t *testing.T, params map[string]string) map[string]devstack.Evaluated {
	t.Helper()
	ev, err := devstack.Evaluate(load(t), "lingxi", params)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// The media edge runs on Fargate for arm64 in awsvpc mode, with CPU and memory from parameters, a
// log group that expires, the image from the parameters, and the edge's configuration.
func TestEdgeTaskIsArm64Fargate(t *testing.T) {
	ev := evaluate(t, edgeParams("203.0.113.0/24"))
	td := ev["EdgeTaskDefinition"].Properties
	rp := m(td["RuntimePlatform"])
	switch {
	case !slices.Equal(l(td["RequiresCompatibilities"]), []any{"FARGATE"}):
		t.Errorf("compatibilities %v", td["RequiresCompatibilities"])
	case s(td["NetworkMode"]) != "awsvpc":
		t.Errorf("network mode %v", td["NetworkMode"])
	case s(rp["CpuArchitecture"]) != "ARM64" || s(rp["OperatingSystemFamily"]) != "LINUX":
		t.Errorf("runtime platform %v", rp)
	case fmt.Sprint(td["Cpu"]) != "1024" || fmt.Sprint(td["Memory"]) != "2048":
		t.Errorf("cpu %v memory %v", td["Cpu"], td["Memory"])
	}
	raw := load(t).Resources["EdgeTaskDefinition"].Properties
	if refTarget(raw["Cpu"]) != "EdgeCpu" || refTarget(raw["Memory"]) != "EdgeMemory" {
		t.Errorf("CPU and memory are not the parameters: %v %v", raw["Cpu"], raw["Memory"])
	}
	cs := l(td["ContainerDefinitions"])
	if len(cs) != 1 {
		t.Fatalf("%d containers", len(cs))
	}
	c := m(cs[0])
	if img := s(c["Image"]); !strings.HasSuffix(img, ".dkr.ecr.us-east-1.amazonaws.com/lingxi-media-edge:v1") {
		t.Errorf("image %q", img)
	}
	env := map[string]string{}
	for _, e := range l(c["Environment"]) {
		env[s(m(e)["Name"])] = fmt.Sprint(m(e)["Value"])
	}
	for _, k := range []string{"LINGXI_EDGE_TABLE", "LINGXI_EDGE_STREAM", "LINGXI_EDGE_CHAT_FUNCTION", "LINGXI_EDGE_RECORDINGS_BUCKET", "LINGXI_EDGE_RTP_MIN", "LINGXI_EDGE_RTP_MAX", "LINGXI_EDGE_ADVERTISE"} {
		if _, ok := env[k]; !ok {
			t.Errorf("no %s in the edge's environment", k)
		}
	}
	if env["LINGXI_EDGE_CHAT_FUNCTION"] != "lingxi-ChatFunction" || env["LINGXI_EDGE_RTP_MIN"] != "10000" || env["LINGXI_EDGE_RTP_MAX"] != "19999" {
		t.Errorf("environment %v", env)
	}
	// The environment is what media-edge/config reads: with an advertised address it loads and
	// validates, and no variable is one the edge ignores.
	if env["LINGXI_EDGE_ADVERTISE"] != config.AdvertiseTask || env["LINGXI_EDGE_SPOOL_DIR"] != "/spool" {
		t.Errorf("without EdgeAdvertisedAddress each task advertises its own address; recordings spool on /spool: %v", env)
	}
	cfg, err := config.Load("", func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("the edge would not start with the template's environment: %v", err)
	}
	if cfg.Engines != "aws" || cfg.SIPUDP != "0.0.0.0:5060" || cfg.RTPMin != 10000 || time.Duration(cfg.DrainTimeout) >= 120*time.Second {
		t.Errorf("config from the template: %+v", cfg)
	}
	for k := range env {
		if !strings.HasPrefix(k, "LINGXI_EDGE_") {
			t.Errorf("%s is not a variable of media-edge/config", k)
		}
	}
	logs := m(c["LogConfiguration"])
	if s(logs["LogDriver"]) != "awslogs" || s(m(logs["Options"])["awslogs-group"]) == "" {
		t.Errorf("log configuration %v", logs)
	}
	if r := ev["EdgeLogGroup"].Properties["RetentionInDays"]; r == nil {
		t.Error("the edge's log group keeps logs forever")
	}
	svc := ev["EdgeService"].Properties
	vpc := m(m(svc["NetworkConfiguration"])["AwsvpcConfiguration"])
	if s(svc["LaunchType"]) != "FARGATE" || !slices.Equal(l(vpc["Subnets"]), []any{"subnet-1", "subnet-2"}) || len(l(vpc["SecurityGroups"])) != 1 {
		t.Errorf("service %v", svc)
	}
	if s(ev["EdgeSecurityGroup"].Properties["VpcId"]) != "vpc-1" {
		t.Errorf("security group VPC %v", ev["EdgeSecurityGroup"].Properties["VpcId"])
	}

	// Without an image tag there is no edge at all.
	off := edgeParams("")
	delete(off, "EdgeImageTag")
	for id, e := range evaluate(t, off) {
		if strings.HasPrefix(id, "Edge") && e.Active {
			t.Errorf("%s is deployed without the edge", id)
		}
	}
}

// rule is one ingress rule, as compared.
type rule struct {
	Proto    string
	From, To string
	CIDR     string
}

func ingress(t *testing.T, ev map[string]devstack.Evaluated) []rule {
	t.Helper()
	var out []rule
	for _, r := range l(ev["EdgeSecurityGroup"].Properties["SecurityGroupIngress"]) {
		rr := m(r)
		for k := range rr {
			switch k {
			case "IpProtocol", "FromPort", "ToPort", "CidrIp", "Description":
			default:
				t.Errorf("ingress rule with %s: %v", k, rr)
			}
		}
		out = append(out, rule{s(rr["IpProtocol"]), fmt.Sprint(rr["FromPort"]), fmt.Sprint(rr["ToPort"]), s(rr["CidrIp"])})
	}
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}

func sipRules(cidrs ...string) []rule {
	var out []rule
	for _, c := range cidrs {
		out = append(out, rule{"udp", "5060", "5060", c}, rule{"tcp", "5060", "5060", c}, rule{"tcp", "5061", "5061", c}, rule{"udp", "10000", "19999", c})
	}
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}

// The security group opens SIP (5060 UDP and TCP, 5061 TLS) and the RTP range to the CIDRs
// TrunkCidrs lists, each of them, and to nothing else; no ingress reads anything but that
// parameter.
func TestEdgeSecurityGroupOnlyFromTrunkCidrs(t *testing.T) {
	six := []string{"203.0.113.0/24", "198.51.100.7/32", "192.0.2.0/25", "192.0.2.128/25", "100.64.0.0/16", "10.1.0.0/16"}
	for _, cidrs := range [][]string{six[:1], six[:2], six} {
		got := ingress(t, evaluate(t, edgeParams(strings.Join(cidrs, ","))))
		if want := sipRules(cidrs...); !slices.Equal(got, want) {
			t.Errorf("TrunkCidrs %v:\n got %v\nwant %v", cidrs, got, want)
		}
	}
	if got := ingress(t, evaluate(t, edgeParams(""))); len(got) != 0 {
		t.Errorf("no trunks, yet ingress %v", got)
	}
	// Every rule of the template takes its address from TrunkCidrs and from nothing else.
	raw := load(t).Resources["EdgeSecurityGroup"].Properties
	for i, r := range l(raw["SecurityGroupIngress"]) {
		txt := fmt.Sprint(r)
		if !strings.Contains(txt, "TrunkCidrs") || strings.Contains(txt, "0.0.0.0") || strings.Contains(txt, "SourceSecurityGroup") {
			t.Errorf("ingress rule %d: %s", i, txt)
		}
	}
	// A seventh CIDR would be dropped silently: the parameter's description says the limit.
	b, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), fmt.Sprintf("(at most %d CIDRs)", len(six))) {
		t.Errorf("TrunkCidrs does not say its limit of %d", len(six))
	}
}

// starAllowed are the only actions AWS requires Resource "*" for among the edge's.
var starAllowed = map[string]string{
	"ecr:GetAuthorizationToken":           "the registry token is account-wide",
	"polly:SynthesizeSpeech":              "Polly has no resource for synthesis without lexicons",
	"transcribe:StartStreamTranscription": "Transcribe streaming has no resource-level permissions",
}

func statements(policies any) []map[string]any {
	var out []map[string]any
	for _, p := range l(policies) {
		doc := m(p)
		if d, ok := doc["PolicyDocument"]; ok {
			doc = m(d)
		}
		for _, st := range l(doc["Statement"]) {
			out = append(out, m(st))
		}
	}
	return out
}

func actions(st map[string]any) []string {
	if a := s(st["Action"]); a != "" {
		return []string{a}
	}
	var out []string
	for _, a := range l(st["Action"]) {
		out = append(out, s(a))
	}
	return out
}

// The edge's roles grant exactly what it does: no wildcard action, Resource "*" only where AWS
// requires it, every other resource one the template declares.
func TestEdgeRolesLeastPrivilege(t *testing.T) {
	tpl := load(t)
	want := map[string][]string{
		"EdgeTaskRole": {"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
			"kinesis:PutRecord", "kinesis:PutRecords", "lambda:InvokeFunction", "polly:SynthesizeSpeech",
			"s3:AbortMultipartUpload", "s3:PutObject", "transcribe:StartStreamTranscription"},
		"EdgeExecutionRole": {"ecr:BatchGetImage", "ecr:GetAuthorizationToken", "ecr:GetDownloadUrlForLayer", "logs:CreateLogStream", "logs:PutLogEvents"},
	}
	for id, r := range tpl.Resources {
		if r.Type != "AWS::IAM::Role" {
			continue
		}
		if _, ok := want[id]; !ok {
			t.Errorf("role %s: the test knows no such role; say what it may do", id)
			continue
		}
		if len(l(r.Properties["ManagedPolicyArns"])) > 0 {
			t.Errorf("%s: managed policies; write the statements", id)
		}
		var got []string
		for i, st := range statements(r.Properties["Policies"]) {
			where := fmt.Sprintf("%s statement %d", id, i)
			if s(st["Effect"]) != "Allow" {
				t.Errorf("%s: effect %v", where, st["Effect"])
			}
			acts := actions(st)
			got = append(got, acts...)
			for _, a := range acts {
				if a == "*" || strings.Contains(a, "*") || !strings.Contains(a, ":") {
					t.Errorf("%s: action %q is too broad", where, a)
				}
			}
			res := st["Resource"]
			switch {
			case s(res) == "*":
				for _, a := range acts {
					if _, ok := starAllowed[a]; !ok {
						t.Errorf("%s: Resource \"*\" for %s, which AWS does not require", where, a)
					}
				}
			case m(res)["Fn::Sub"] != nil:
				sub := s(m(res)["Fn::Sub"])
				if id == "EdgeExecutionRole" && sub == "arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/${EdgeImageRepository}" {
					continue // the one repository the image comes from
				}
				if err := subOfResources(tpl, sub); err != nil || strings.HasSuffix(sub, "/*") && !strings.HasSuffix(sub, "/recordings/*") {
					t.Errorf("%s: Resource %v: %v", where, res, err)
				}
			default:
				if target := refTarget(res); target == "" || tpl.Resources[target] == nil {
					t.Errorf("%s: Resource %v is not a declared resource", where, res)
				}
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want[id]) {
			t.Errorf("%s grants %v\nwant %v", id, got, want[id])
		}
	}
}

// webSocketPermission reports whether p lets a WebSocket API of the template invoke a function
// other than the chat function: SAM makes no permissions for AWS::ApiGatewayV2 APIs, so the
// template states them (docs/websocket.md).
func webSocketPermission(tpl *devstack.Template, p *devstack.Resource) bool {
	fn := refTarget(p.Properties["FunctionName"])
	if fn == "" || fn == "ChatFunction" || s(p.Properties["Principal"]) != "apigateway.amazonaws.com" || s(p.Properties["Action"]) != "lambda:InvokeFunction" {
		return false
	}
	refs := refsIn(p.Properties["SourceArn"])
	for _, ref := range refs {
		if api := tpl.Resources[ref]; api != nil && api.Type == "AWS::ApiGatewayV2::Api" && s(api.Properties["ProtocolType"]) == "WEBSOCKET" {
			return true
		}
	}
	return false
}

// Only the edge's task role may invoke the chat function directly: the tenant of a direct voice
// turn is trusted for that reason alone (functions/chat/handler/invoke.go). No function's policy
// and no other role grants any lambda:Invoke action, and no resource policy opens the function.
func TestOnlyTheEdgeInvokesChat(t *testing.T) {
	tpl := load(t)
	grants := 0
	for id, r := range tpl.Resources {
		if r.Type == "AWS::Lambda::Permission" && !webSocketPermission(tpl, r) {
			t.Errorf("%s: a resource policy on a function (API Gateway's are SAM's, from HttpApi events; a WebSocket API's may invoke only its own function)", id)
		}
		var sts []map[string]any
		switch r.Type {
		case "AWS::Serverless::Function", "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
			sts = append(statements(r.Properties["Policies"]), statements([]any{r.Properties["PolicyDocument"]})...)
		}
		for _, st := range sts {
			for _, a := range actions(st) {
				if !strings.HasPrefix(strings.ToLower(a), "lambda:invoke") && a != "lambda:*" && a != "*" {
					continue
				}
				if id != "EdgeTaskRole" || a != "lambda:InvokeFunction" || refTarget(st["Resource"]) != "ChatFunction" {
					t.Errorf("%s grants %s on %v", id, a, st["Resource"])
					continue
				}
				grants++
			}
		}
	}
	if grants != 1 {
		t.Fatalf("%d grants of lambda:InvokeFunction on the chat function, want the edge's one", grants)
	}
}
