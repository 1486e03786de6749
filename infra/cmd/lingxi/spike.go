package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// The local stack's address and the demo tenant's key file as `make run` leaves them (the flags
// of infra/cmd/run and the banner's "demo admin key in …", from the repository's root).
const (
	defaultSpikeAPI = "http://127.0.0.1:3000"
	defaultSpikeKey = ".devstack/demo-key"
)

// spikeLine is the JSON line `lingxi spike` prints last.
type spikeLine struct {
	Queue   string `json:"queue"`
	Channel string `json:"channel"`
	Sent    int    `json:"sent"`
	Created int    `json:"created"`
	Failed  int    `json:"failed"`
	// FirstError is the first refusal's status and problem detail ("" when none failed).
	FirstError string `json:"first_error,omitempty"`
}

// spikeRun sends a burst of contacts to a queue through POST /v1/contacts, as a partner would:
// the traffic spike the dispatch engine is to notice (docs/dispatch-engine.md).
func spikeRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lingxi spike", flag.ContinueOnError)
	fs.SetOutput(stderr)
	api := fs.String("api", defaultSpikeAPI, "the HTTP API's base URL")
	keyFile := fs.String("key", defaultSpikeKey, "file holding a tenant API key (admin or partner)")
	count := fs.Int("n", 60, "contacts to send (1–10000)")
	queue := fs.String("queue", "general", "the queue they join")
	channel := fs.String("channel", "chat", "chat or voice")
	workers := fs.Int("concurrency", 4, "requests in flight at once (1–32)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: lingxi spike [--api URL] [--key FILE] [-n 60] [--queue general] [--channel chat] [--concurrency 4]

Sends a burst of contacts (POST /v1/contacts) to the queue and prints one JSON line last:
{"queue":…,"channel":…,"sent":…,"created":…,"failed":…}. The defaults are the local stack's
(make run) and its demo tenant's key file. Exits 1 if any contact was refused.`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "lingxi spike: "+format+"\n", a...)
		return errUsage
	}
	switch {
	case fs.NArg() > 0:
		return usageErr("unexpected arguments %q", fs.Args())
	case *count < 1 || *count > 10000:
		return usageErr("-n must be from 1 to 10000")
	case *workers < 1 || *workers > 32:
		return usageErr("--concurrency must be from 1 to 32")
	case *channel != "chat" && *channel != "voice":
		return usageErr("--channel must be chat or voice")
	case *queue == "":
		return usageErr("--queue must name a queue")
	}
	base, err := url.Parse(*api)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return usageErr("--api must be an http(s) URL, such as %s", defaultSpikeAPI)
	}
	raw, err := os.ReadFile(*keyFile)
	if err != nil {
		return fmt.Errorf("read the key: %w (start the local stack with make run, or pass --key)", err)
	}
	key := strings.TrimSpace(string(raw))
	if key == "" {
		return fmt.Errorf("the key file %s is empty", *keyFile)
	}
	body, err := json.Marshal(map[string]string{"channel": *channel, "queue": *queue})
	if err != nil {
		return err
	}
	s := spiker{endpoint: strings.TrimRight(base.String(), "/") + "/v1/contacts", key: key, body: body,
		client: &http.Client{Timeout: 30 * time.Second}}
	out := s.burst(ctx, *count, *workers)
	out.Queue, out.Channel = *queue, *channel
	if err := printJSONLine(stdout, out); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if out.Failed > 0 {
		return fmt.Errorf("%d of %d contacts refused; first: %s", out.Failed, out.Sent, out.FirstError)
	}
	return nil
}

// spiker sends one request body again and again.
type spiker struct {
	endpoint, key string
	body          []byte
	client        *http.Client
}

// burst sends n requests with workers in flight, stopping early when ctx ends; every worker has
// returned when it does.
func (s spiker) burst(ctx context.Context, n, workers int) spikeLine {
	var (
		mu  sync.Mutex
		out spikeLine
		wg  sync.WaitGroup
	)
	jobs := make(chan struct{})
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				problem := s.one(ctx)
				mu.Lock()
				out.Sent++
				if problem == "" {
					out.Created++
				} else if out.Failed++; out.FirstError == "" {
					out.FirstError = problem
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for range n {
		select {
		case jobs <- struct{}{}:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	return out
}

// one sends one contact and says what went wrong ("" when it was created).
func (s spiker) one(ctx context.Context) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(s.body))
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Authorization", "Bearer "+s.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusCreated {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return ""
	}
	var p struct {
		Type   string `json:"type"`
		Detail string `json:"detail"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&p)
	return strings.TrimSpace(fmt.Sprintf("%d %s %s", resp.StatusCode, p.Type, p.Detail))
}
