package sip

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sipp runs one SIPp scenario of testdata/sipp against the edge over loopback (one call) and
// fails the test with SIPp's own account of what went wrong.
func sipp(t *testing.T, e *testEdge, scenario, transport string) {
	t.Helper()
	bin, err := exec.LookPath("sipp")
	if err != nil {
		t.Fatal("sipp is not installed (Debian sip-tester; bash infra/deps/install.sh)")
	}
	path, err := filepath.Abs(filepath.Join("testdata", "sipp", scenario+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	mode, target := "u1", e.udp()
	if transport == "tcp" {
		mode, target = "t1", e.srv.Addr("tcp").String()
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-sf", path, "-m", "1", "-l", "1", "-t", mode,
		"-i", "127.0.0.1", "-mi", "127.0.0.1", "-mp", strconv.Itoa(freeUDPPort(t)),
		"-s", strings.TrimPrefix(testNumber, "+"), "-nostdin", "-timeout", "20s", "-timeout_error",
		"-recv_timeout", "10000", "-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
		target)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		errs, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
		tail := string(out)
		if len(tail) > 3000 {
			tail = tail[len(tail)-3000:]
		}
		t.Fatalf("sipp %s over %s: %v\n%s\n--- errors.log\n%s", scenario, transport, err, tail, errs)
	}
}

// freeUDPPort is a UDP port free a moment ago, for SIPp's RTP echo socket.
func freeUDPPort(t *testing.T) int {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func TestSIPpOptions(t *testing.T) {
	e := startEdge(t, nil)
	sipp(t, e, "options", "udp")
}

func TestSIPpCallThenCallerBye(t *testing.T) {
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			e := startEdge(t, nil)
			sipp(t, e, "call_bye", transport)
			c := e.calls.next(t)
			<-c.Context().Done()
			if side, cause := c.Ended(); side != SideCaller || cause != "bye" {
				t.Fatalf("ended = %s %s", side, cause)
			}
		})
	}
}

func TestSIPpEdgeBye(t *testing.T) {
	e := startEdge(t, nil)
	e.calls.serve = func(ctx context.Context, c *Call) {
		select {
		case <-time.After(100 * time.Millisecond):
			c.Hangup("bot_hangup")
		case <-ctx.Done():
		}
	}
	sipp(t, e, "edge_bye", "udp")
	c := e.calls.next(t)
	if side, cause := c.Ended(); side != SideEdge || cause != "bot_hangup" {
		t.Fatalf("ended = %s %s", side, cause)
	}
}

func TestSIPpCancel(t *testing.T) {
	e := startEdge(t, func(c *Config) { c.AnswerDelay = time.Minute })
	sipp(t, e, "cancel", "udp")
	eventually(t, "no call active", func() bool { return e.srv.Active() == 0 })
}

func TestSIPpReinviteHoldResume(t *testing.T) {
	e := startEdge(t, nil)
	sipp(t, e, "reinvite", "udp")
	c := e.calls.next(t)
	<-c.Context().Done()
	var dirs []string
	for p := range c.Updates() {
		dirs = append(dirs, p.Direction)
	}
	// Updates keeps only the newest unread value: the call resumed.
	if len(dirs) == 0 || dirs[len(dirs)-1] != "sendrecv" {
		t.Fatalf("updates = %v", dirs)
	}
}

func TestSIPpUnauthorisedSource(t *testing.T) {
	e := startEdge(t, nil)
	e.dir.setTrunks(farTrunk)
	sipp(t, e, "forbidden", "udp")
	if !slices.Contains(e.events.list(), "bank "+testNumber+" "+ReasonSourceNotAllowed) {
		t.Fatalf("events = %v", e.events.list())
	}
}

func TestSIPpMalformedThenACall(t *testing.T) {
	e := startEdge(t, nil)
	sipp(t, e, "malformed", "udp")
	sipp(t, e, "call_bye", "udp")
	e.calls.next(t)
}

func TestSIPpRegisterWithDigest(t *testing.T) {
	e := startEdge(t, nil)
	sipp(t, e, "register", "udp")
	regs, _ := e.regs.Lookup(context.Background(), testTenant, "alice")
	if len(regs) != 1 || !strings.HasPrefix(regs[0].Contact, "sip:alice@127.0.0.1:") {
		t.Fatalf("registrations = %+v", regs)
	}
}
