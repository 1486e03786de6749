// Command emulators starts dynalite (behind the front that gives it transactions, served by this
// process), kinesalite and s3rver on loopback and runs a command with the AWS SDK pointed at them
// (AWS_ENDPOINT_URL_*), stopping them when the command ends:
//
//	go run ./infra/cmd/emulators -- go test ./...
//
// With no command it prints the endpoints and serves until interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/lingxi/lingxi/infra/emulators"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code, err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "emulators:", err)
	}
	os.Exit(code)
}

func run(ctx context.Context) (int, error) {
	dataDir := flag.String("data", "", "keep data in this folder (default: in memory)")
	flag.Parse()
	r, err := emulators.Start(ctx, emulators.Options{DataDir: *dataDir, Log: os.Stderr})
	if err != nil {
		return 1, err
	}
	defer r.Close()
	if flag.NArg() == 0 {
		for _, kv := range r.Env() {
			fmt.Println("export " + kv)
		}
		<-ctx.Done()
		return 0, nil
	}
	cmd := exec.CommandContext(ctx, flag.Arg(0), flag.Args()[1:]...)
	cmd.Env = append(os.Environ(), r.Env()...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	if err != nil {
		return 1, err
	}
	return 0, nil
}
