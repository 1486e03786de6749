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
	"testing"
	"time"

	"github.com/lingxi/lingxi/infra/logbuf"
	"github.com/lingxi/lingxi/media-edge/media"
)

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

// softphone is a running baresip: its output and its control socket (ctrl_tcp).
type softphone struct {
	out  *logbuf.Buffer
	ctrl string
	pid  int
}

// command sends one baresip command over ctrl_tcp (a netstring of JSON) and waits for its reply.
func (sp *softphone) command(t *testing.T, name, params string) {
	t.Helper()
	c, err := net.Dial("tcp", sp.ctrl)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := fmt.Sprintf(`{"command":%q,"params":%q,"token":"1"}`, name, params)
	if _, err := fmt.Fprintf(c, "%d:%s,", len(msg), msg); err != nil {
		t.Fatal(err)
	}
	// Events come on the same socket; the reply is the message marked "response".
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var got []byte
	buf := make([]byte, 4096)
	for !bytes.Contains(got, []byte(`"response":true`)) {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("baresip %s: %v after %q", name, err, got)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Contains(got, []byte(`"ok":true`)) {
		t.Fatalf("baresip %s: %q", name, got)
	}
}

// baresip runs the softphone as the agent alice of the tenant and waits until it registered with
// the edge; it is stopped when the test ends.
func baresip(t *testing.T, e *testEdge) *softphone {
	t.Helper()
	bin, err := exec.LookPath("baresip")
	if err != nil {
		t.Fatal("baresip is not installed (bash infra/deps/install.sh)")
	}
	dir := t.TempDir()
	port, ctrlPort := freeSIPPort(t), freeSIPPort(t)
	conf := strings.Join([]string{
		"poll_method poll",
		fmt.Sprintf("sip_listen 127.0.0.1:%d", port),
		// No sound card: ALSA's null device plays and records silence.
		"audio_player alsa,null",
		"audio_source alsa,null",
		"audio_alert alsa,null",
		"rtp_ports 30000-30100",
		"module_path /usr/lib/baresip/modules",
		"module g711.so", "module alsa.so", "module account.so", "module uuid.so",
		"module_app menu.so",
		"module_app ctrl_tcp.so",
		fmt.Sprintf("ctrl_tcp_listen 127.0.0.1:%d", ctrlPort),
	}, "\n") + "\n"
	account := fmt.Sprintf("<sip:alice@%s;transport=udp>;auth_pass=%s;answermode=auto;regint=300;audio_codecs=PCMU,PCMA\n", e.udp(), testPassword)
	for name, body := range map[string]string{"config": conf, "accounts": account} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	out := &logbuf.Buffer{}
	args := []string{"-f", dir, "-t", "25"}
	if os.Getenv("SIP_DEBUG") == "true" {
		args = append(args, "-s")
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		err := cmd.Wait()
		if t.Failed() || testing.Verbose() {
			t.Logf("baresip (%v):\n%s", err, out.String())
		}
	})
	eventually(t, "baresip registered", func() bool {
		regs, _ := e.regs.Lookup(ctx, testTenant, "alice")
		return len(regs) == 1
	})
	return &softphone{out: out, ctrl: fmt.Sprintf("127.0.0.1:%d", ctrlPort), pid: cmd.Process.Pid}
}

// TestBaresipAgentRegistersAndTakesATransfer: a real softphone (baresip) registers as the agent
// alice with digest authentication, and the edge dials it through its registration (the transfer
// leg); baresip answers by itself, and the edge's hangup reaches it.
func TestBaresipAgentRegistersAndTakesATransfer(t *testing.T) {
	e := startEdge(t, nil)
	baresip(t, e)
	ctx := testCtx(t)
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
	sp := baresip(t, e)
	sp.command(t, "dial", fmt.Sprintf("sip:%s@%s", testNumber, e.udp()))
	c := e.calls.next(t)
	if c.Account != "alice" || c.Trunk != "" {
		t.Fatalf("call from %q / %q", c.Account, c.Trunk)
	}
	<-c.Context().Done()
	if side, cause := c.Ended(); side != SideEdge || cause != "bot_hangup" {
		t.Fatalf("ended = %s %s", side, cause)
	}
	// The call is released once its BYE was answered: baresip must live until then.
	eventually(t, "the call released", func() bool { return e.srv.Active() == 0 })
}
