package local

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	dispatch "github.com/lingxi/lingxi/functions/dispatch/handler"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// syncBuffer collects the stack's log for assertions.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func start(t *testing.T, state string, log *syncBuffer) *Local {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	l, err := Start(ctx, Options{Template: "../../template.yaml", StateDir: state, Log: log})
	if err != nil {
		t.Fatalf("start: %v\n%s", err, log.String())
	}
	return l
}

// The product as `make run` brings it up: a tenant made over HTTP, its tenant.created event
// consumed by the dispatch function through the stream, a burst served by several warm instances,
// and a restart that keeps data and keys.
func TestProductEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack")
	}
	state := t.TempDir()
	log := &syncBuffer{}
	l := start(t, state, log)
	closed := false
	defer func() {
		if !closed {
			l.Close()
		}
	}()
	ctx := context.Background()

	// The banner's curl line works as printed.
	if !strings.Contains(l.Banner(), l.Stack.HTTPURL()+"/v1/tenant") || !strings.Contains(l.Banner(), l.DemoKey) {
		t.Fatalf("banner lacks the curl line:\n%s", l.Banner())
	}
	code, body, err := l.Call(ctx, "GET", "/v1/tenant", l.DemoKey, nil)
	if err != nil || code != 200 || !strings.Contains(string(body), `"id":"demo"`) {
		t.Fatalf("demo tenant: %d %s %v", code, body, err)
	}

	// A new tenant over HTTP; dispatch consumes tenant.created from the stream and provisions it.
	code, body, err = l.Call(ctx, "POST", "/v1/tenants", l.AdminKey, map[string]string{"id": "e2e", "name": "E2E"})
	if err != nil || code != 201 {
		t.Fatalf("create tenant: %d %s %v", code, body, err)
	}
	table := l.Stack.Ref("Table")
	db := store.New(dynamodb.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(l.Stack.Endpoints().DynamoDB),
	}), table)
	e2e, _ := tenant.Parse("e2e")
	deadline := time.Now().Add(60 * time.Second)
	for {
		var q dispatch.Queue
		_, err := db.Get(ctx, e2e, store.Key{Kind: dispatch.KindQueue, ID: dispatch.DefaultQueue}, &q)
		if err == nil && q.ID == dispatch.DefaultQueue {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dispatch never provisioned the tenant's queue (last error %v)\n%s", err, log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}

	// A burst of 200 concurrent requests: all succeed, served by more than one instance, and the
	// REPORT lines show init durations for the cold starts.
	var failed atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", l.Stack.HTTPURL()+"/v1/tenant", nil)
			req.Header.Set("Authorization", "Bearer "+l.DemoKey)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				failed.Add(1)
			}
			if resp != nil {
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of 200 concurrent requests failed", n)
	}
	stats := l.Stack.Stats("ApiFunction")
	if stats.Peak < 2 {
		t.Fatalf("burst served by %d instance(s) at peak, want more than one: %+v", stats.Peak, stats)
	}
	inits := regexp.MustCompile(`\[ApiFunction\] REPORT RequestId: \S+\s+Duration: [\d.]+ ms.*Init Duration: [\d.]+ ms`).FindAllString(log.String(), -1)
	if len(inits) < 2 {
		t.Fatalf("%d REPORT lines with an init duration, want one per cold start (%d)", len(inits), stats.ColdStarts)
	}
	t.Logf("burst: %+v, %d cold-start REPORT lines", stats, len(inits))

	// Restart on the same state: the data and the keys are still there.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	closed = true
	demoKey := l.DemoKey
	l = start(t, state, log)
	closed = false
	if l.DemoKey != demoKey {
		t.Fatal("the demo key changed across a restart")
	}
	code, body, _ = l.Call(ctx, "GET", "/v1/tenant", demoKey, nil)
	if code != 200 {
		t.Fatalf("after restart: %d %s", code, body)
	}
	var keys struct {
		Items []json.RawMessage `json:"items"`
	}
	code, body, _ = l.Call(ctx, "GET", "/v1/api-keys", demoKey, nil)
	if code != 200 || json.Unmarshal(body, &keys) != nil || len(keys.Items) != 1 {
		t.Fatalf("keys after restart: %d %s", code, body)
	}
}
