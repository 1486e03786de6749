package sip

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lingxi/lingxi/media-edge/media"
)

// lockedBuffer collects a process's output for the failure message.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// freeSIPPort is a port free a moment ago for both UDP and TCP on 127.0.0.1 (baresip binds both).
func freeSIPPort(t *testing.T) int {
	for range 20 {
		port := freeUDPPort(t)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			_ = l.Close()
			return port
		}
	}
	t.Fatal("no port free for both UDP and TCP")
	return 0
}

// baresip runs the softphone as the agent alice of the tenant, registered with the edge, with
// extra -e commands; it is stopped when the test ends.
func baresip(t *testing.T, e *testEdge, commands ...string) *lockedBuffer {
	t.Helper()
	bin, err := exec.LookPath("baresip")
	if err != nil {
		t.Fatal("baresip is not installed (bash infra/deps/install.sh)")
	}
	dir := t.TempDir()
	port := freeSIPPort(t)
	conf := strings.Join([]string{
		"poll_method epoll",
		fmt.Sprintf("sip_listen 127.0.0.1:%d", port),
		// aubridge plays what it hears back as its source: no sound device needed.
		"audio_player aubridge,agent",
		"audio_source aubridge,agent",
		"audio_alert aubridge,alert",
		"rtp_ports 30000-30100",
		"module_path /usr/lib/baresip/modules",
		"module g711.so", "module aubridge.so", "module account.so", "module uuid.so",
		"module_app menu.so",
	}, "\n") + "\n"
	account := fmt.Sprintf("<sip:alice@%s;transport=udp>;auth_pass=%s;answermode=auto;regint=300;audio_codecs=PCMU,PCMA\n", e.udp(), testPassword)
	for name, body := range map[string]string{"config": conf, "accounts": account} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	args := []string{"-f", dir, "-t", "25"}
	for _, c := range commands {
		args = append(args, "-e", c)
	}
	out := &lockedBuffer{}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() || testing.Verbose() {
			t.Logf("baresip:\n%s", out.String())
		}
	})
	return out
}

// TestBaresipAgentRegistersAndTakesATransfer: a real softphone (baresip) registers as the agent
// alice with digest authentication, and the edge dials it through its registration (the transfer
// leg); baresip answers by itself, and the edge's hangup reaches it.
func TestBaresipAgentRegistersAndTakesATransfer(t *testing.T) {
	e := startEdge(t, nil)
	baresip(t, e)
	ctx := testCtx(t)
	eventually(t, "baresip registered", func() bool {
		regs, _ := e.regs.Lookup(ctx, testTenant, "alice")
		return len(regs) == 1
	})
	leg, err := e.srv.Dial(ctx, testTenant, "account:alice", "+8613800000000")
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if p := leg.Params(); p.Codec != media.PCMU && p.Codec != media.PCMA || !p.Remote.IsValid() {
		t.Fatalf("params = %+v", p)
	}
	leg.Hangup("transfer_over")
	<-leg.Done()
	if side, cause := leg.Ended(); side != SideEdge || cause != "transfer_over" {
		t.Fatalf("ended = %s %s", side, cause)
	}
}

// TestBaresipAgentCallsIn: the agent's softphone calls the number from an address that is no
// trunk of the tenant; the edge admits it by digest (407, then its credentials), answers, and the
// agent's hangup ends the call.
func TestBaresipAgentCallsIn(t *testing.T) {
	e := startEdge(t, nil)
	e.dir.setTrunks(farTrunk)
	e.calls.serve = func(ctx context.Context, c *Call) {
		select {
		case <-time.After(200 * time.Millisecond):
			c.Hangup("bot_hangup")
		case <-ctx.Done():
		}
	}
	baresip(t, e, fmt.Sprintf("/dial sip:%s@%s", testNumber, e.udp()))
	c := e.calls.next(t)
	if c.Account != "alice" || c.Trunk != "" {
		t.Fatalf("call from %q / %q", c.Account, c.Trunk)
	}
	<-c.Context().Done()
	if side, cause := c.Ended(); side != SideEdge || cause != "bot_hangup" {
		t.Fatalf("ended = %s %s", side, cause)
	}
}
