// Command media-edge is Lingxi's SIP/RTP service: it answers the tenants' numbers, runs voice
// navigation against the chat bot, records calls and transfers them to agents. Configuration:
// -config FILE (JSON) and LINGXI_EDGE_* variables (media-edge/config). The first SIGTERM drains
// (new calls get 503, current ones finish); a second one, or drain_timeout, ends them; a third
// kills the process.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/lingxi/lingxi/media-edge/config"
	"github.com/lingxi/lingxi/media-edge/edge"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "media-edge:", err)
		os.Exit(1)
	}
}

func run() error {
	path := flag.String("config", "", "JSON configuration file (optional)")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cfg, err := config.Load(*path, os.Getenv)
	if err != nil {
		return err
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		return fmt.Errorf("aws config: %w", err)
	}
	e, err := edge.New(cfg, edge.Options{AWS: awsCfg, Log: log, Metadata: os.Getenv("ECS_CONTAINER_METADATA_URI_V4")})
	if err != nil {
		return err
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	served := make(chan error, 1)
	go func() {
		served <- e.Serve(ctx, func() { log.Info("serving", "sip_udp", cfg.SIPUDP, "sip_tcp", cfg.SIPTCP, "advertise", cfg.Advertise) })
	}()
	select {
	case err := <-served:
		return err
	case <-sigs:
	}
	log.Info("draining: new calls get 503", "calls", e.Active())
	dctx, dcancel := context.WithTimeout(context.Background(), time.Duration(cfg.DrainTimeout))
	go func() {
		select {
		case <-sigs:
			log.Warn("second signal: ending the calls still up", "calls", e.Active())
			signal.Stop(sigs) // a third one kills the process
			dcancel()
		case <-dctx.Done():
		}
	}()
	if err := e.Drain(dctx); err != nil {
		log.Warn("drain cut short", "err", err)
	}
	dcancel()
	stop()
	return <-served
}
