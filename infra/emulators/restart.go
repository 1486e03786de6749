package emulators

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"time"

	"github.com/lingxi/lingxi/infra/procs"
)

// StartOne starts one emulator, kind "dynalite", "kinesalite" or "s3rver", on 127.0.0.1:port
// keeping its data in dataDir, and returns it with the matching Endpoints field set. Close stops
// it; StartOne again with the same port and dataDir brings it back with its data (streams, tables,
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
	cmd := exec.Command("node", "serve.js", kind, strconv.Itoa(port), dataDir)
	cmd.Dir, cmd.Stderr = dir, log
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := procs.Start(cmd); err != nil { // it exits when stdin closes (Close) or we die
		return nil, fmt.Errorf("start %s: %w", kind, err)
	}
	r := &Running{procs: []*exec.Cmd{cmd}, stdins: []io.Closer{stdin}}
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err == nil && line != fmt.Sprintf("ready %d\n", port) {
			err = fmt.Errorf("said %q, want ready on port %d", line, port)
		}
		ready <- err
		io.Copy(io.Discard, stdout)
	}()
	timer := time.NewTimer(30 * time.Second)
	defer timer.Stop()
	select {
	case err = <-ready:
	case <-timer.C:
		err = fmt.Errorf("did not listen on port %d within 30s", port)
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("start %s: %w", kind, err)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	switch kind {
	case "dynalite":
		r.DynamoDB = url
	case "kinesalite":
		r.Kinesis = url
	case "s3rver":
		r.S3 = url
	}
	return r, nil
}
