package docs

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/functions/api/handler"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/infra/local"
	"github.com/lingxi/lingxi/infra/logbuf"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/dialog"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
)

// ---- imports through the api handler --------------------------------------------------------

const platformKey = "docs-platform-admin-key-0123456789abcdef"

type apiEnv struct{ api *handler.API }

func newAPI(t *testing.T) *apiEnv {
	t.Helper()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	kin, streamName := emulators.NewStream(t, 1)
	db := store.New(ddb, table)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	authn, err := auth.NewAuthenticator(db, auth.Hash(platformKey))
	if err != nil {
		t.Fatal(err)
	}
	return &apiEnv{api: handler.New(db, outbox.New(db, stream.NewPublisher(kin, streamName), log), authn, log)}
}

// call sends one request through the Lambda handler the way API Gateway would.
func (e *apiEnv) call(t *testing.T, method, path, key, contentType, body string) (int, map[string]any) {
	t.Helper()
	req := events.APIGatewayV2HTTPRequest{
		RawPath: path, Body: body,
		Headers: map[string]string{"content-type": contentType, "authorization": "Bearer " + key},
	}
	req.RequestContext.HTTP.Method = method
	req.RequestContext.HTTP.Path = path
	resp, err := e.api.Handle(context.Background(), req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	var out map[string]any
	if resp.Body != "" {
		if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
			t.Fatalf("%s %s: body %q", method, path, resp.Body)
		}
	}
	return resp.StatusCode, out
}

func (e *apiEnv) tenantKey(t *testing.T, id string) string {
	t.Helper()
	code, body := e.call(t, "POST", "/v1/tenants", platformKey, "application/json", fmt.Sprintf(`{"id":%q,"name":"Docs"}`, id))
	if code != http.StatusCreated {
		t.Fatalf("create tenant: %d %v", code, body)
	}
	return body["api_key"].(map[string]any)["key"].(string)
}

// The import samples of docs/knowledge-base.md, sent through the api function's handler against
// the emulators: accepted, every item stored, the counts right.
func TestImportSamples(t *testing.T) {
	e := newAPI(t)
	n := 0
	check := func(t *testing.T, b Block, contentType string, intents, articles []string) {
		n++
		key := e.tenantKey(t, fmt.Sprintf("docs%d", n))
		code, body := e.call(t, "POST", "/v1/import", key, contentType, b.Body)
		if code != http.StatusOK {
			t.Fatalf("%s: import answered %d %v", b.Where(), code, body)
		}
		for kind, ids := range map[string][]string{"intents": intents, "articles": articles} {
			counts, _ := body[kind].(map[string]any)
			if counts["created"] != float64(len(ids)) {
				t.Errorf("%s: %s %v, want %d created", b.Where(), kind, counts, len(ids))
			}
			for _, id := range ids {
				if code, got := e.call(t, "GET", "/v1/"+kind+"/"+id, key, "", ""); code != http.StatusOK {
					t.Errorf("%s: GET %s/%s: %d %v", b.Where(), kind, id, code, got)
				}
			}
		}
	}
	for _, b := range blocksOf(t, "json import") {
		var doc struct {
			Intents  []struct{ ID string } `json:"intents"`
			Articles []struct{ ID string } `json:"articles"`
		}
		if err := json.Unmarshal([]byte(b.Body), &doc); err != nil {
			t.Fatalf("%s: %v", b.Where(), err)
		}
		var in, ar []string
		for _, i := range doc.Intents {
			in = append(in, i.ID)
		}
		for _, a := range doc.Articles {
			ar = append(ar, a.ID)
		}
		check(t, b, "application/json", in, ar)
	}
	for _, b := range blocksOf(t, "csv import") {
		rows, err := csv.NewReader(strings.NewReader(b.Body)).ReadAll()
		if err != nil || len(rows) < 2 || rows[0][0] != "type" || rows[0][1] != "id" {
			t.Fatalf("%s: %v", b.Where(), err)
		}
		seen := map[string]bool{}
		var in, ar []string
		for _, r := range rows[1:] {
			if seen[r[0]+"/"+r[1]] {
				continue
			}
			seen[r[0]+"/"+r[1]] = true
			if r[0] == "intent" {
				in = append(in, r[1])
			} else {
				ar = append(ar, r[1])
			}
		}
		check(t, b, "text/csv", in, ar)
	}
}

// ---- shell samples --------------------------------------------------------------------------

func bash(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is needed to run the shell samples")
	}
	return p
}

var reAssign = regexp.MustCompile(`(?m)^(SECRET|TS)='?([^'\n]*)'?$`)

// The signature recipe of docs/flows.md, run with openssl on the webhook-payload sample, prints
// what dialog.Sign computes.
func TestVerifySample(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl is needed to run the verify sample")
	}
	body := strings.TrimRight(blocksOf(t, "json webhook-payload")[0].Body, "\n")
	for _, b := range blocksOf(t, "sh verify") {
		vars := map[string]string{}
		for _, m := range reAssign.FindAllStringSubmatch(b.Body, -1) {
			vars[m[1]] = m[2]
		}
		if vars["SECRET"] == "" || vars["TS"] == "" {
			t.Fatalf("%s: want SECRET= and TS= lines", b.Where())
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "body.json"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bash(t), "-euo", "pipefail", "-c", b.Body)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", b.Where(), err, out)
		}
		want := dialog.Sign([]byte(vars["SECRET"]), vars["TS"], []byte(body))
		if got := strings.TrimSpace(string(out)); got != want {
			t.Errorf("%s prints %q; the platform signs %q", b.Where(), got, want)
		}
		if err := dialog.VerifySignature([]byte(vars["SECRET"]), vars["TS"], []byte(body), want, time.Unix(1763712000, 0), 5*time.Minute); err != nil {
			t.Errorf("VerifySignature: %v", err)
		}
	}
}

var reTestFunc = regexp.MustCompile(`(?m)^func ((?:Test|Benchmark)\w*)\(`)

// The go test lines of docs/ name packages that exist and tests (or benchmarks) that exist in them.
func TestGoTestSamples(t *testing.T) {
	for _, b := range blocksOf(t, "sh go-test") {
		for _, line := range strings.Split(b.Body, "\n") {
			line, _, _ = strings.Cut(line, "#")
			f := strings.Fields(line)
			if len(f) < 2 || f[0] != "go" || f[1] != "test" {
				continue
			}
			var run, bench string
			var pkgs []string
			for i := 2; i < len(f); i++ {
				switch {
				case f[i] == "-run" && i+1 < len(f):
					i++
					run = strings.Trim(f[i], `'"`)
				case f[i] == "-bench" && i+1 < len(f):
					i++
					bench = strings.Trim(f[i], `'"`)
				case strings.HasPrefix(f[i], "./"):
					pkgs = append(pkgs, f[i])
				}
			}
			if len(pkgs) == 0 {
				t.Errorf("%s: %q names no package", b.Where(), line)
			}
			for _, p := range pkgs {
				names := testNames(t, filepath.Join(root, p))
				if names == nil {
					t.Errorf("%s: package %s has no tests", b.Where(), p)
					continue
				}
				for prefix, pattern := range map[string]string{"Test": run, "Benchmark": bench} {
					if pattern == "" || pattern == "^$" {
						continue
					}
					re, err := regexp.Compile(strings.SplitN(pattern, "/", 2)[0])
					if err != nil {
						t.Errorf("%s: pattern %q: %v", b.Where(), pattern, err)
						continue
					}
					found := false
					for _, n := range names {
						found = found || (strings.HasPrefix(n, prefix) && re.MatchString(n))
					}
					if !found {
						t.Errorf("%s: no %s in %s matches %q", b.Where(), prefix, p, pattern)
					}
				}
			}
		}
	}
}

func testNames(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	var names []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range reTestFunc.FindAllStringSubmatch(string(src), -1) {
			names = append(names, m[1])
		}
	}
	return names
}

// The sh curl samples of docs/, run by bash against the local stack (as `make run` brings it up:
// devstack runs every function's real binary) from a folder holding .devstack/: getting-started.md
// first, then the other pages in name order, in one shell. Every curl fails on an HTTP error.
func TestCurlSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed to run the curl samples")
	}
	var first, rest []Block
	for _, b := range blocksOf(t, "sh curl") {
		if b.File == "getting-started.md" {
			first = append(first, b)
		} else {
			rest = append(rest, b)
		}
	}
	if len(first) == 0 {
		t.Fatal("getting-started.md has no sh curl sample")
	}
	dir := t.TempDir()
	log := &logbuf.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	l, err := local.Start(ctx, local.Options{Template: filepath.Join(root, "template.yaml"), StateDir: filepath.Join(dir, ".devstack"), Log: log, Edge: local.EdgeOptions{Off: true}})
	if err != nil {
		t.Fatalf("start the local stack: %v\n%s", err, log.String())
	}
	defer l.Close()

	// The reader saves each sample flow as <id>.json (docs/flows.md); so does the test.
	for _, b := range blocksOf(t, "json flow") {
		f, err := dialog.ParseFlow([]byte(b.Body))
		if err != nil {
			t.Fatalf("%s: %v", b.Where(), err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.ID+".json"), []byte(b.Body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var script strings.Builder
	script.WriteString("set -euo pipefail\ncurl() { command curl --fail-with-body --max-time 30 \"$@\"; }\n")
	for _, b := range append(first, rest...) {
		fmt.Fprintf(&script, "echo '>>> %s' >&2\n", b.Where())
		script.WriteString(strings.ReplaceAll(b.Body, "http://127.0.0.1:3000", l.Stack.HTTPURL()))
	}
	cmd := exec.CommandContext(ctx, bash(t), "-c", script.String())
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("the curl samples failed: %v\nstdout:\n%s\nstderr (the last block started is the one that failed):\n%s", err, out.String(), errOut.String())
	}
	got := out.String()
	for _, want := range []string{
		`"id":"acme"`,         // the tenant
		`"state":"succeeded"`, // the training job
		`9:00-17:00`,          // the intent's answer in the first conversation
		`手机银行每日转账限额为 5 万元。`, // the article, answered in Chinese
		`"stored":true`,             // the business event
		`"created":1`,               // the CSV import
		`"id":"demo"`,               // the banner's curl line
		`Hello, this is Acme Bank.`, // the greeting the settings set, at the conversation's start
		`"definition":{`,            // the stored flow
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the samples' output lacks %q:\n%s", want, got)
		}
	}
	if secret, err := os.ReadFile(filepath.Join(dir, "webhook-secret.json")); err != nil || !strings.Contains(string(secret), `"webhook_secret":"whsec_`) {
		t.Errorf("the webhook secret sample kept %q (%v)", secret, err)
	}
}

// The GET /v1/tenant answer of docs/quotas.md is the api handler's for a tenant just onboarded
// (against the emulators): every member, every limit and usage.
func TestTenantSample(t *testing.T) {
	for _, b := range blocksOf(t, "json tenant") {
		var doc struct{ ID, Name string }
		if err := json.Unmarshal([]byte(b.Body), &doc); err != nil {
			t.Fatalf("%s: %v", b.Where(), err)
		}
		e := newAPI(t)
		code, created := e.call(t, "POST", "/v1/tenants", platformKey, "application/json", fmt.Sprintf(`{"id":%q,"name":%q}`, doc.ID, doc.Name))
		if code != http.StatusCreated {
			t.Fatalf("create tenant: %d %v", code, created)
		}
		key := created["api_key"].(map[string]any)["key"].(string)
		req := events.APIGatewayV2HTTPRequest{RawPath: "/v1/tenant", Headers: map[string]string{"authorization": "Bearer " + key}}
		req.RequestContext.HTTP.Method = http.MethodGet
		resp, err := e.api.Handle(context.Background(), req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /v1/tenant: %v %d %s", err, resp.StatusCode, resp.Body)
		}
		if err := jsonMatches(b.Body, resp.Body); err != nil {
			t.Errorf("%s: %v\n(the code: %s)", b.Where(), err, resp.Body)
		}
	}
}
