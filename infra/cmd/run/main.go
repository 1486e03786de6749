// Command run is `make run`: it brings the whole product up on this machine and prints how to use
// it (where the keys are kept, never the keys). The first Ctrl-C stops everything it started;
// data stays in the state folder.
//
// Flow webhooks may call loopback only on the demo bank's port and the ports named by
// -webhook-ports or WEBHOOK_PORTS (`make run WEBHOOK_PORTS=8080,9090`), never the emulators or
// the Lambda Runtime API.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/lingxi/lingxi/infra/local"
	"github.com/lingxi/lingxi/shared/egress"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var opt local.Options
	flag.StringVar(&opt.Template, "template", "template.yaml", "SAM template")
	flag.StringVar(&opt.StateDir, "state", ".devstack", "state folder: data, keys, checkpoints, binaries")
	flag.BoolVar(&opt.Clean, "clean", false, "delete the state folder first")
	flag.IntVar(&opt.HTTPPort, "http-port", 3000, "HTTP API port on 127.0.0.1 (0: any free port)")
	flag.IntVar(&opt.WSPort, "ws-port", 3001, "first WebSocket API port (0: any free port)")
	flag.IntVar(&opt.SQSPort, "sqs-port", 9324, "SQS endpoint port (0: any free port)")
	flag.StringVar(&opt.Edge.SIP, "sip", "127.0.0.1:5060", "the media edge's SIP address (UDP and TCP) on loopback")
	flag.StringVar(&opt.Edge.Health, "edge-health", "127.0.0.1:5080", "the media edge's health endpoint (GET /healthz)")
	webhookPorts := flag.String("webhook-ports", os.Getenv("WEBHOOK_PORTS"),
		"comma-separated loopback ports flow webhooks may call besides the demo bank's (default $WEBHOOK_PORTS)")
	flag.Parse()
	var err error
	if opt.WebhookPorts, err = egress.ParsePorts(*webhookPorts); err != nil {
		return fmt.Errorf("-webhook-ports: %w", err)
	}
	opt.Log = os.Stderr
	fmt.Fprintln(os.Stderr, "starting the emulators, building the functions and starting devstack…")
	l, err := local.Start(ctx, opt)
	if err != nil {
		return err
	}
	fmt.Print(l.Banner())
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "stopping…")
	return l.Close()
}
