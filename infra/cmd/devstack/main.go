// Command devstack runs the SAM template on this machine: the emulators, the functions' real
// bootstrap binaries behind a local Lambda Runtime API, the HTTP and WebSocket APIs, the Kinesis
// event source mappings and the schedules. Everything binds to 127.0.0.1.
//
//	go run ./infra/cmd/devstack -template template.yaml
//
// The first SIGINT/SIGTERM stops it cleanly; a second one kills it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/lingxi/lingxi/infra/devstack"
	"github.com/lingxi/lingxi/infra/emulators"
)

type paramFlag map[string]string

func (p paramFlag) String() string { return "" }

func (p paramFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want Name=Value, got %q", v)
	}
	p[k] = val
	return nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, stop, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, stop func(), args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("devstack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	params := paramFlag{}
	var (
		cfg        devstack.Config
		clean      bool
		dynamo     string
		kinesisURL string
		s3URL      string
	)
	fs.StringVar(&cfg.Template, "template", "template.yaml", "SAM template to run")
	fs.StringVar(&cfg.StackName, "stack-name", "", "stack name; local resource names default to <stack>-<LogicalId> (default: the template folder's name)")
	fs.StringVar(&cfg.StateDir, "state", "", "state directory: emulator data, queues, stream checkpoints, binaries (default: .devstack beside the template)")
	fs.BoolVar(&clean, "clean", false, "delete the state directory first (fresh tables, streams, queues and checkpoints)")
	fs.IntVar(&cfg.HTTPPort, "http-port", 3000, "HTTP API port (0: any free port)")
	fs.IntVar(&cfg.WebSocketPort, "ws-port", 3001, "first WebSocket API port; further APIs take the next ports (0: any free port)")
	fs.IntVar(&cfg.SQSPort, "sqs-port", 9324, "SQS endpoint port (0: any free port)")
	fs.IntVar(&cfg.RuntimePort, "runtime-port", 0, "Lambda Runtime API port (0: any free port)")
	fs.IntVar(&cfg.LambdaPort, "lambda-port", 0, "Lambda Invoke API port, AWS_ENDPOINT_URL_LAMBDA (0: any free port)")
	fs.IntVar(&cfg.Concurrency, "concurrency", 10, "most instances of one function at once")
	fs.Var(params, "param", "template parameter override Name=Value (repeatable)")
	fs.StringVar(&dynamo, "dynamodb-endpoint", "", "use this DynamoDB endpoint instead of starting the emulators (with -kinesis-endpoint and -s3-endpoint)")
	fs.StringVar(&kinesisURL, "kinesis-endpoint", "", "Kinesis endpoint of running emulators")
	fs.StringVar(&s3URL, "s3-endpoint", "", "S3 endpoint of running emulators")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	cfg.Parameters = params
	cfg.Log = stderr
	if dynamo != "" || kinesisURL != "" || s3URL != "" {
		if dynamo == "" || kinesisURL == "" || s3URL == "" {
			return fmt.Errorf("-dynamodb-endpoint, -kinesis-endpoint and -s3-endpoint go together")
		}
		cfg.Endpoints = &emulators.Endpoints{DynamoDB: dynamo, Kinesis: kinesisURL, S3: s3URL}
	}
	if clean {
		dir := cfg.StateDir
		if dir == "" {
			dir = filepath.Join(filepath.Dir(cfg.Template), ".devstack")
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("clean %s: %w", dir, err)
		}
	}
	st, err := devstack.Start(ctx, cfg)
	if err != nil {
		return err
	}
	printURLs(stdout, st)
	<-ctx.Done()
	stop() // a second signal now kills the process
	fmt.Fprintln(stderr, "devstack: stopping")
	return st.Close()
}

func printURLs(w io.Writer, st *devstack.Stack) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "devstack is running")
	fmt.Fprintf(tw, "  HTTP API\t%s\n", st.HTTPURL())
	for _, api := range st.WebSocketAPIs() {
		fmt.Fprintf(tw, "  WebSocket %s\t%s\n", api, st.WebSocketURL(api))
	}
	e := st.Endpoints()
	fmt.Fprintf(tw, "  SQS\t%s\n", st.SQSURL())
	fmt.Fprintf(tw, "  DynamoDB\t%s\n", e.DynamoDB)
	fmt.Fprintf(tw, "  Kinesis\t%s\n", e.Kinesis)
	fmt.Fprintf(tw, "  S3\t%s\n", e.S3)
	fmt.Fprintf(tw, "  Lambda Runtime API\t%s\n", st.RuntimeAPIAddr())
	fmt.Fprintf(tw, "  Lambda Invoke API\t%s\n", st.LambdaURL())
	fmt.Fprintf(tw, "  functions\t%s\n", strings.Join(st.Functions(), ", "))
	if outs := st.Outputs(); len(outs) > 0 {
		names := make([]string, 0, len(outs))
		for k := range outs {
			names = append(names, k)
		}
		sort.Strings(names)
		fmt.Fprintln(tw, "Outputs:")
		for _, k := range names {
			fmt.Fprintf(tw, "  %s\t%s\n", k, outs[k])
		}
	}
	fmt.Fprintf(tw, "SDK environment for scripts:\n")
	fmt.Fprintf(tw, "  export AWS_ENDPOINT_URL_DYNAMODB=%s AWS_ENDPOINT_URL_KINESIS=%s AWS_ENDPOINT_URL_S3=%s AWS_ENDPOINT_URL_SQS=%s AWS_ENDPOINT_URL_LAMBDA=%s AWS_REGION=%s AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER\n",
		e.DynamoDB, e.Kinesis, e.S3, st.SQSURL(), st.LambdaURL(), devstack.Region)
	tw.Flush()
}
