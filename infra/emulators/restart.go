package emulators

import (
	"context"
	"fmt"
	"io"
)

// StartOne starts one emulator, kind "dynalite", "kinesalite" or "s3rver", on 127.0.0.1:port
// keeping its data in dataDir, and returns it with the matching Endpoints field set (for dynalite,
// the raw emulator without the transactions front). It is not supervised: Close stops it, and
// StartOne again with the same port and dataDir brings it back with its data (streams, tables,
// records), so a test can stop an emulator under traffic and restart it where clients expect it.
func StartOne(ctx context.Context, kind string, port int, dataDir string, log io.Writer) (*Running, error) {
	if err := Install(ctx); err != nil {
		return nil, err
	}
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = io.Discard
	}
	cmd, stdin, got, err := spawn(ctx, dir, kind, port, dataDir, log)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", kind, err)
	}
	p := &proc{kind: kind, data: dataDir, port: got, cmd: cmd, stdin: stdin, done: make(chan struct{})}
	r := &Running{procs: map[string]*proc{kind: p}, log: log, closing: make(chan struct{})}
	r.wg.Add(1)
	go r.watch(p, dir, false)
	url := fmt.Sprintf("http://127.0.0.1:%d", got)
	switch kind {
	case "dynalite":
		r.Dynalite, r.DynamoDB = url, url
	case "kinesalite":
		r.Kinesis = url
	case "s3rver":
		r.S3 = url
	}
	return r, nil
}
