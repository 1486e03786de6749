// Package console builds the web console and chat widget (web/) and runs their browser tests:
// playwright-core scripts (web/tests/*.mjs, run by node) driving Debian's chromium, headless and
// with background networking off, against the whole local stack (infra/local), which serves the
// built pages at /console/ and /widget/ beside the HTTP API.
//
// console.go finds the folders and builds the pages; console_test.go starts the stack once and
// runs each script as a subtest.
package console

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// Chromium is the browser the tests drive: Debian's package (infra/deps/install.sh), never a
// downloaded build.
const Chromium = "/usr/bin/chromium"

// WebDir is the web/ folder of the module this runs in (found from the working directory up).
func WebDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "web"), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", wd)
		}
	}
}

// Build installs web/'s npm packages from its lock file when they are missing (`npm ci`;
// concurrent callers wait on a lock file) and builds the pages into web/dist (`node build.mjs`).
func Build(ctx context.Context, web string) error {
	lock, err := os.OpenFile(filepath.Join(web, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("open install lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock install: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if !installed(web) {
		if err := run(ctx, web, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"); err != nil {
			return err
		}
		if !installed(web) {
			return errors.New("npm ci in web/ left packages missing")
		}
	}
	return run(ctx, web, "node", "build.mjs")
}

func installed(web string) bool {
	for _, m := range []string{"preact", "esbuild", "playwright-core"} {
		if _, err := os.Stat(filepath.Join(web, "node_modules", m, "package.json")); err != nil {
			return false
		}
	}
	return true
}

func run(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %v in %s: %w\n%s", name, args, dir, err, out)
	}
	return nil
}
