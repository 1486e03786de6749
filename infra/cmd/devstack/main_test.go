package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/infra/logbuf"
)

func TestRunServesUntilCancelled(t *testing.T) {
	e := emulators.ForTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr logbuf.Buffer
	done := make(chan error, 1)
	args := []string{
		"-template", filepath.Join("..", "..", "devstack", "testdata", "bench.yaml"),
		"-state", t.TempDir(), "-stack-name", "cli-test",
		"-http-port", "0", "-ws-port", "0", "-sqs-port", "0",
		"-dynamodb-endpoint", e.DynamoDB, "-kinesis-endpoint", e.Kinesis, "-s3-endpoint", e.S3,
	}
	go func() { done <- run(ctx, func() {}, args, &stdout, &stderr) }()

	var url string
	deadline := time.After(3 * time.Minute)
	for url == "" {
		select {
		case err := <-done:
			t.Fatalf("run returned early: %v\n%s", err, stderr.String())
		case <-deadline:
			t.Fatalf("devstack did not print its URLs\n%s", stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		for _, l := range strings.Split(stdout.String(), "\n") {
			if f := strings.Fields(l); len(f) == 3 && f[0] == "HTTP" && f[1] == "API" {
				url = f[2]
			}
		}
	}
	resp, err := http.Get(url + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok" {
		t.Errorf("GET /hello: %d %q", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
	if !strings.Contains(stdout.String(), "AWS_ENDPOINT_URL_SQS=") {
		t.Errorf("no SDK environment hint in:\n%s", stdout.String())
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	cases := map[string][]string{
		"param without =":     {"-param", "oops"},
		"some endpoints only": {"-dynamodb-endpoint", "http://127.0.0.1:1"},
		"stray argument":      {"extra"},
		"missing template":    {"-template", filepath.Join(t.TempDir(), "none.yaml")},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			var out logbuf.Buffer
			if err := run(context.Background(), func() {}, args, &out, &out); err == nil {
				t.Errorf("run %v succeeded", args)
			}
		})
	}
}
