package template

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	apihandler "github.com/lingxi/lingxi/functions/api/handler"
	"github.com/lingxi/lingxi/infra/devstack"
)

const templatePath = "../../template.yaml"

func load(t *testing.T) *devstack.Template {
	t.Helper()
	tpl, err := devstack.ParseTemplate(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func functions(tpl *devstack.Template) []*devstack.Resource {
	var out []*devstack.Resource
	for _, r := range tpl.Resources {
		if r.Type == "AWS::Serverless::Function" {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *devstack.Resource) int { return strings.Compare(a.LogicalID, b.LogicalID) })
	return out
}

func m(v any) map[string]any { x, _ := v.(map[string]any); return x }
func l(v any) []any          { x, _ := v.([]any); return x }
func s(v any) string         { x, _ := v.(string); return x }

// refTarget returns the logical id an intrinsic names ({"Ref": X} or {"Fn::GetAtt": [X, attr]}
// or "X.attr"), or "" when v is not one of them.
func refTarget(v any) string {
	mm := m(v)
	if r, ok := mm["Ref"]; ok {
		return s(r)
	}
	if g, ok := mm["Fn::GetAtt"]; ok {
		if parts := l(g); len(parts) > 0 {
			return s(parts[0])
		}
		id, _, _ := strings.Cut(s(g), ".")
		return id
	}
	return ""
}

func declared(tpl *devstack.Template, id string) bool {
	if _, ok := tpl.Resources[id]; ok {
		return true
	}
	if _, ok := tpl.Parameters[id]; ok {
		return true
	}
	return strings.HasPrefix(id, "AWS::")
}

var subRef = regexp.MustCompile(`\$\{([^}]*)\}`)

// connectionsARN is the ARN of a WebSocket API stage's @connections API, which functions that push
// to clients may POST to and DELETE on (shared/push sends, and closes connections).
var connectionsARN = regexp.MustCompile(`^arn:\$\{AWS::Partition\}:execute-api:\$\{AWS::Region\}:\$\{AWS::AccountId\}:\$\{([A-Za-z0-9]+)\}/\$\{([A-Za-z0-9]+)\}/(POST|DELETE)/@connections/\*$`)

// subOfResources accepts a policy Resource written as !Sub only when it is a string that starts
// with a reference and every reference in it names a resource the template declares (its ARN or
// name, e.g. "${Bucket.Arn}/models/*"): no parameters, no literals, no pseudo parameters that
// could widen it to another account's resources.
//
// One ARN has no resource attribute to start from: the @connections API of a WebSocket API's stage
// (execute-api:ManageConnections), accepted in exactly the form connectionsARN matches.
func subOfResources(tpl *devstack.Template, sub any) error {
	str, ok := sub.(string)
	if !ok {
		return fmt.Errorf("!Sub must be a plain string")
	}
	if g := connectionsARN.FindStringSubmatch(str); g != nil {
		api, stage := tpl.Resources[g[1]], tpl.Resources[g[2]]
		if api == nil || api.Type != "AWS::ApiGatewayV2::Api" || stage == nil || stage.Type != "AWS::ApiGatewayV2::Stage" || refTarget(stage.Properties["ApiId"]) != g[1] {
			return fmt.Errorf("!Sub %q must name a declared WebSocket API and its stage", str)
		}
		return nil
	}
	refs := subRef.FindAllStringSubmatch(str, -1)
	if len(refs) == 0 || !strings.HasPrefix(str, "${") {
		return fmt.Errorf("!Sub must start with a declared resource's ${Name} or ${Name.Attr}")
	}
	for _, ref := range refs {
		id, _, _ := strings.Cut(ref[1], ".")
		if _, ok := tpl.Resources[id]; !ok {
			return fmt.Errorf("!Sub names %q, which is not a declared resource", ref[1])
		}
	}
	return nil
}

// Every function's code folder exists, is a main package, and builds the way it deploys.
func TestFunctionsBuild(t *testing.T) {
	tpl := load(t)
	out := t.TempDir()
	for _, fn := range functions(tpl) {
		t.Run(fn.LogicalID, func(t *testing.T) {
			p := fn.Properties
			code := s(p["CodeUri"])
			if code == "" || !strings.HasPrefix(code, "functions/") {
				t.Fatalf("CodeUri %q is not a folder under functions/", code)
			}
			if _, err := os.Stat(filepath.Join("../..", code, "main.go")); err != nil {
				t.Fatalf("code folder: %v", err)
			}
			for k, want := range map[string]string{"Runtime": "provided.al2023", "Handler": "bootstrap"} {
				if s(p[k]) != want {
					t.Errorf("%s = %v, want %s", k, p[k], want)
				}
			}
			if a := l(p["Architectures"]); len(a) != 1 || s(a[0]) != "arm64" {
				t.Errorf("Architectures = %v, want [arm64]", p["Architectures"])
			}
			if s(fn.Metadata["BuildMethod"]) != "go1.x" {
				t.Errorf("Metadata.BuildMethod = %v, want go1.x (sam build)", fn.Metadata["BuildMethod"])
			}
			cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(out, fn.LogicalID, "bootstrap"), "./"+code)
			cmd.Dir = "../.."
			cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("build for linux/arm64: %v\n%s", err, b)
			}
		})
	}
}

// getenv finds what a main reads: os.Getenv, or a required variable (lambdaenv.Required.Get).
var getenv = regexp.MustCompile(`(?:os\.Getenv|env\.Get)\("([A-Z0-9_]+)"\)`)

// required finds the variables a main requires at start (shared/lambdaenv).
var required = regexp.MustCompile(`env\.Get\("([A-Z0-9_]+)"\)`)

// Every function's main checks at start that the resource names it needs are set (STYLE.md:
// "main validates its environment at start"): run with an empty environment, it stops before
// serving anything and names each one missing. The api and chat mains used to start without TABLE_NAME,
// STREAM_NAME or MODEL_BUCKET and fail on the first request.
func TestMainsValidateEnvironment(t *testing.T) {
	tpl := load(t)
	out := t.TempDir()
	for _, fn := range functions(tpl) {
		t.Run(fn.LogicalID, func(t *testing.T) {
			code := s(fn.Properties["CodeUri"])
			src, err := os.ReadFile(filepath.Join("../..", code, "main.go"))
			if err != nil {
				t.Fatal(err)
			}
			// Resource names are required, but for one a main reads with os.Getenv: it handles
			// its absence itself (the chat function without an idle queue).
			var want []string
			for name := range m(m(fn.Properties["Environment"])["Variables"]) {
				if regexp.MustCompile(`_(NAME|URL|BUCKET)$`).MatchString(name) && !strings.Contains(string(src), `os.Getenv("`+name+`")`) {
					want = append(want, name)
				}
			}
			slices.Sort(want)
			for _, g := range required.FindAllStringSubmatch(string(src), -1) {
				want = slices.DeleteFunc(want, func(n string) bool { return n == g[1] })
			}
			if len(want) > 0 {
				t.Fatalf("main.go does not require %v at start (lambdaenv.Required)", want)
			}
			bin := filepath.Join(out, fn.LogicalID)
			build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bin, "./"+code)
			build.Dir = "../.."
			if b, err := build.CombinedOutput(); err != nil {
				t.Fatalf("build: %v\n%s", err, b)
			}
			run := exec.Command(bin)
			run.Env = []string{"PATH=" + os.Getenv("PATH"), "AWS_REGION=us-east-1"}
			b, err := run.CombinedOutput()
			if err == nil || !strings.Contains(string(b), "must be set") {
				t.Fatalf("with an empty environment: %v\n%s", err, b)
			}
			for _, g := range required.FindAllStringSubmatch(string(src), -1) {
				if !strings.Contains(string(b), g[1]) {
					t.Errorf("the refusal does not name %s:\n%s", g[1], b)
				}
			}
		})
	}
}

// Environment variables that name resources refer to ones the template declares, and every
// variable a function's main reads is set by the template.
func TestEnvironmentNamesDeclaredResources(t *testing.T) {
	tpl := load(t)
	for _, fn := range functions(tpl) {
		t.Run(fn.LogicalID, func(t *testing.T) {
			vars := m(m(fn.Properties["Environment"])["Variables"])
			for name, v := range vars {
				target := refTarget(v)
				if sub := s(m(v)["Fn::Sub"]); sub != "" {
					for _, ref := range regexp.MustCompile(`\$\{([A-Za-z0-9:]+)`).FindAllStringSubmatch(sub, -1) {
						if !declared(tpl, strings.Split(ref[1], ".")[0]) {
							t.Errorf("%s: !Sub names undeclared %s", name, ref[1])
						}
					}
					continue
				}
				if target == "" {
					if regexp.MustCompile(`_(NAME|ARN|URL|TABLE|STREAM|BUCKET|QUEUE)$`).MatchString(name) {
						t.Errorf("%s = %v: a resource name must be a !Ref/!GetAtt, not a literal", name, v)
					}
					continue
				}
				if !declared(tpl, target) {
					t.Errorf("%s refers to %s, which the template does not declare", name, target)
				}
			}
			src, err := os.ReadFile(filepath.Join("../..", s(fn.Properties["CodeUri"]), "main.go"))
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range getenv.FindAllStringSubmatch(string(src), -1) {
				if _, ok := vars[g[1]]; !ok {
					t.Errorf("main.go reads %s, which the template does not set", g[1])
				}
			}
		})
	}
}

// A stream consumer reports partial failures, bisects on error, retries a bounded number of times
// and has an on-failure destination that the template declares: one bad record never blocks a shard.
func TestStreamConsumersCannotBlockAShard(t *testing.T) {
	tpl := load(t)
	consumers := 0
	for _, fn := range functions(tpl) {
		for name, ev := range m(fn.Properties["Events"]) {
			if s(m(ev)["Type"]) != "Kinesis" && s(m(ev)["Type"]) != "DynamoDB" {
				continue
			}
			consumers++
			p := m(m(ev)["Properties"])
			where := fn.LogicalID + "." + name
			if !slices.ContainsFunc(l(p["FunctionResponseTypes"]), func(v any) bool { return s(v) == "ReportBatchItemFailures" }) {
				t.Errorf("%s: FunctionResponseTypes lacks ReportBatchItemFailures", where)
			}
			if b, _ := p["BisectBatchOnFunctionError"].(bool); !b {
				t.Errorf("%s: BisectBatchOnFunctionError is not true", where)
			}
			if n, ok := p["MaximumRetryAttempts"].(int); !ok || n < 0 || n > 100 {
				t.Errorf("%s: MaximumRetryAttempts %v must be a bounded number", where, p["MaximumRetryAttempts"])
			}
			dest := refTarget(m(m(p["DestinationConfig"])["OnFailure"])["Destination"])
			if r := tpl.Resources[dest]; r == nil || (r.Type != "AWS::SQS::Queue" && r.Type != "AWS::SNS::Topic") {
				t.Errorf("%s: on-failure destination %q is not a declared queue or topic", where, dest)
			}
			if refTarget(p["Stream"]) == "" || !declared(tpl, refTarget(p["Stream"])) {
				t.Errorf("%s: Stream does not name a declared stream", where)
			}
		}
	}
	if consumers == 0 {
		t.Fatal("no stream consumer found; the test would prove nothing")
	}
}

// No policy grants "*" or "service:*" actions, or uses a broad managed policy.
func TestLeastPrivilegePolicies(t *testing.T) {
	tpl := load(t)
	for _, fn := range functions(tpl) {
		pols := l(fn.Properties["Policies"])
		if len(pols) == 0 {
			t.Errorf("%s has no policies", fn.LogicalID)
		}
		for i, pol := range pols {
			if name, ok := pol.(string); ok {
				t.Errorf("%s policy %d: managed policy %q; write the statements", fn.LogicalID, i, name)
				continue
			}
			for j, st := range l(m(pol)["Statement"]) {
				where := fmt.Sprintf("%s policy %d statement %d", fn.LogicalID, i, j)
				actions := l(m(st)["Action"])
				if a := s(m(st)["Action"]); a != "" {
					actions = []any{a}
				}
				if len(actions) == 0 {
					t.Errorf("%s: no actions", where)
				}
				for _, a := range actions {
					if a := s(a); a == "*" || strings.HasSuffix(a, ":*") || !strings.Contains(a, ":") {
						t.Errorf("%s: action %q is too broad", where, a)
					}
				}
				if r := m(st)["Resource"]; s(r) == "*" {
					t.Errorf("%s: Resource \"*\"", where)
				} else if sub, ok := m(r)["Fn::Sub"]; ok {
					if err := subOfResources(tpl, sub); err != nil {
						t.Errorf("%s: Resource %v: %v", where, r, err)
					}
				} else if target := refTarget(r); target == "" || !declared(tpl, target) {
					t.Errorf("%s: Resource %v is not a declared resource", where, r)
				}
			}
		}
	}
}

// The data stores are configured as DESIGN.md §5 says.
func TestDataStores(t *testing.T) {
	tpl := load(t)
	checks := map[string]func(p map[string]any) error{
		"AWS::DynamoDB::Table": func(p map[string]any) error {
			switch {
			case s(p["BillingMode"]) != "PAY_PER_REQUEST":
				return fmt.Errorf("not on-demand")
			case m(p["TimeToLiveSpecification"])["Enabled"] != true:
				return fmt.Errorf("TTL off")
			case m(p["PointInTimeRecoverySpecification"])["PointInTimeRecoveryEnabled"] != true:
				return fmt.Errorf("no point-in-time recovery")
			case m(p["SSESpecification"])["SSEEnabled"] != true:
				return fmt.Errorf("not encrypted")
			}
			return nil
		},
		"AWS::Kinesis::Stream": func(p map[string]any) error {
			if s(m(p["StreamModeDetails"])["StreamMode"]) != "ON_DEMAND" {
				return fmt.Errorf("not on-demand")
			}
			if s(m(p["StreamEncryption"])["EncryptionType"]) != "KMS" {
				return fmt.Errorf("not encrypted")
			}
			return nil
		},
		"AWS::S3::Bucket": func(p map[string]any) error {
			if len(l(m(p["BucketEncryption"])["ServerSideEncryptionConfiguration"])) == 0 {
				return fmt.Errorf("not encrypted")
			}
			block := m(p["PublicAccessBlockConfiguration"])
			for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
				if block[k] != true {
					return fmt.Errorf("%s is not true", k)
				}
			}
			return nil
		},
	}
	seen := map[string]int{}
	for id, r := range tpl.Resources {
		if check := checks[r.Type]; check != nil {
			seen[r.Type]++
			if err := check(r.Properties); err != nil {
				t.Errorf("%s: %v", id, err)
			}
		}
	}
	for typ := range checks {
		if seen[typ] != 1 {
			t.Errorf("%d resources of type %s, want exactly one", seen[typ], typ)
		}
	}
}

// refsIn lists the logical ids v refers to: !Ref, !GetAtt and the ${Name} of !Sub strings.
func refsIn(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		if id := refTarget(x); id != "" {
			out = append(out, id)
		}
		if sub, ok := x["Fn::Sub"].(string); ok {
			for _, ref := range subRef.FindAllStringSubmatch(sub, -1) {
				id, _, _ := strings.Cut(ref[1], ".")
				out = append(out, id)
			}
		}
		for _, vv := range x {
			out = append(out, refsIn(vv)...)
		}
	case []any:
		for _, vv := range x {
			out = append(out, refsIn(vv)...)
		}
	}
	return out
}

// unusedAllowed lists resources the template declares before any function uses them, with why.
var unusedAllowed = map[string]string{
	"Bucket":  "the spine issue declares it; recordings, models and reports land here",
	"HttpApi": "used through the functions' HttpApi events",
	// The console's files are served to browsers, not read by functions (docs/console.md).
	"WebDistribution":        "serves the console and the chat widget from the bucket's web/ prefix beside the HTTP API",
	"WebOriginAccessControl": "the distribution's signed reads of the bucket",
	"WebIndexFunction":       "the distribution's index.html for /console/ and /widget/",
	"WebBucketPolicy":        "lets the distribution, and only it, read web/* of the bucket",
}

// Every resource is used by some function (environment, policy or event), so the template holds
// only what code needs.
func TestEveryResourceIsUsed(t *testing.T) {
	tpl := load(t)
	used := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		if id := refTarget(v); id != "" {
			used[id] = true
		}
		switch x := v.(type) {
		case map[string]any:
			for _, vv := range x {
				walk(vv)
			}
		case []any:
			for _, vv := range x {
				walk(vv)
			}
		}
	}
	for _, fn := range functions(tpl) {
		walk(fn.Properties)
	}
	// A long-running service (the media edge's) is a user like a function.
	for id, r := range tpl.Resources {
		if r.Type == "AWS::ECS::Service" {
			used[id] = true
			walk(r.Properties)
		}
	}
	// An API Gateway v2 API's routes, integrations, stage and route responses, and the permission
	// that lets it invoke a function, are used when they lead to a function or a used resource.
	gateway := func(r *devstack.Resource) bool {
		return strings.HasPrefix(r.Type, "AWS::ApiGatewayV2::") || r.Type == "AWS::Lambda::Permission"
	}
	for n := -1; n != len(used); {
		n = len(used)
		for id, r := range tpl.Resources {
			if !gateway(r) || used[id] {
				continue
			}
			for _, ref := range refsIn(r.Properties) {
				if target := tpl.Resources[ref]; target != nil && (used[ref] || target.Type == "AWS::Serverless::Function") {
					used[id] = true
					walk(r.Properties)
					break
				}
			}
		}
	}
	// What a used resource refers to is used too (a queue's dead-letter queue).
	for n := 0; n != len(used); {
		n = len(used)
		for id := range used {
			if r := tpl.Resources[id]; r != nil && r.Type != "AWS::Serverless::Function" {
				walk(r.Properties)
			}
		}
	}
	for id, r := range tpl.Resources {
		if r.Type == "AWS::Serverless::Function" || used[id] {
			continue
		}
		if _, ok := unusedAllowed[id]; !ok {
			t.Errorf("%s (%s) is declared but no function or service uses it", id, r.Type)
		}
	}
}

// The api function's HttpApi events and its router serve exactly the same routes.
func TestAPIRoutesMatchTemplate(t *testing.T) {
	tpl := load(t)
	fn := tpl.Resources["ApiFunction"]
	if fn == nil {
		t.Fatal("no ApiFunction")
	}
	var declaredRoutes []string
	defaults := 0
	for _, ev := range m(fn.Properties["Events"]) {
		if s(m(ev)["Type"]) == "HttpApi" {
			p := m(m(ev)["Properties"])
			if s(p["Method"]) == "" && s(p["Path"]) == "" { // $default: unknown routes answer problem JSON
				defaults++
				continue
			}
			declaredRoutes = append(declaredRoutes, strings.ToUpper(s(p["Method"]))+" "+s(p["Path"]))
		}
	}
	if defaults != 1 {
		t.Errorf("ApiFunction has %d $default routes (HttpApi events without Path and Method), want 1: "+
			"unknown routes must reach its router for a no-route problem", defaults)
	}
	served := apihandler.New(nil, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil))).Routes()
	slices.Sort(declaredRoutes)
	slices.Sort(served)
	if !slices.Equal(declaredRoutes, served) {
		t.Fatalf("template routes %v\nhandler routes  %v", declaredRoutes, served)
	}
}
