package hotline

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/local"
	"github.com/lingxi/lingxi/infra/logbuf"
	voicelocal "github.com/lingxi/lingxi/media-edge/voice/local"
	"github.com/lingxi/lingxi/media-edge/voice/wav"
)

// agent is the demo agent's softphone: baresip registered with the edge, answering every call
// with a recorded greeting, keeping what it hears in rec/.
type agent struct {
	dir string
	cmd *exec.Cmd
	log *logbuf.Buffer
}

func startAgent(t *testing.T, l *local.Local, greeting string) *agent {
	t.Helper()
	return startSoftphone(t, l, local.DemoAgent, l.AgentPassword, greeting, "auto")
}

// startSoftphone runs baresip registered as softphone account name; answermode is "auto" or
// "manual" (it rings and never answers).
func startSoftphone(t *testing.T, l *local.Local, name, password, greeting, answermode string) *agent {
	t.Helper()
	if _, err := exec.LookPath("baresip"); err != nil {
		t.Fatal("baresip is missing: run bash infra/deps/install.sh (make test does)")
	}
	// baresip also binds TCP and TLS next to the free UDP port picked for it; another process
	// may hold those, and then it exits at once: try again on another port.
attempts:
	for attempt := 1; ; attempt++ {
		a, exited := runSoftphone(t, l, name, password, greeting, answermode)
		deadline := time.Now().Add(30 * time.Second)
		for !accountRegistered(l, name) {
			select {
			case <-exited:
				if attempt < 3 && strings.Contains(a.log.String(), "Address already in use") {
					continue attempts
				}
				t.Fatalf("baresip exited before it registered:\n%s", a.log.String())
			case <-time.After(200 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("softphone %s did not register:\n%s", name, a.log.String())
			}
		}
		return a
	}
}

// runSoftphone starts one baresip on a free port; exited is closed when it exits.
func runSoftphone(t *testing.T, l *local.Local, name, password, greeting, answermode string) (*agent, <-chan struct{}) {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.LocalAddr().(*net.UDPAddr).Port
	ln.Close()
	// net_interface pins baresip to loopback: its SDP and Contact never name another address.
	config := fmt.Sprintf(`poll_method epoll
net_interface 127.0.0.1
sip_listen 127.0.0.1:%d
sip_transports udp
audio_player aufile,%s
audio_source aufile,%s
audio_alert none
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module sndfile.so
module_app account.so
module_app menu.so
snd_path %s
`, port, filepath.Join(dir, "unused.wav"), greeting, filepath.Join(dir, "rec"))
	account := fmt.Sprintf("<sip:%s@%s;transport=udp>;auth_pass=%s;answermode=%s;regint=600\n", name, l.EdgeAddr(), password, answermode)
	for name, body := range map[string]string{"config": config, "accounts": account} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "rec"), 0o700); err != nil {
		t.Fatal(err)
	}
	a := &agent{dir: dir, log: &logbuf.Buffer{}}
	a.cmd = exec.Command("baresip", "-f", dir, "-t", "300")
	a.cmd.Stdout, a.cmd.Stderr = a.log, a.log
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { a.cmd.Wait(); close(exited) }()
	// An interrupted baresip unregisters before it exits; a stuck one is killed.
	t.Cleanup(func() {
		a.cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			a.cmd.Process.Kill()
			<-exited
		}
	})
	return a, exited
}

// accountRegistered: softphone account name shows a registration.
func accountRegistered(l *local.Local, name string) bool {
	code, body, err := l.Call(context.Background(), "GET", "/v1/sip-accounts/"+name, l.DemoKey, nil)
	var acc struct {
		Registrations []struct{ Contact string } `json:"registrations"`
	}
	return err == nil && code == http.StatusOK && json.Unmarshal(body, &acc) == nil && len(acc.Registrations) > 0
}

// waitRegistrations waits until the demo agent's account shows a registration (or none).
func waitRegistrations(t *testing.T, l *local.Local, registered bool) {
	t.Helper()
	waitAccountRegistrations(t, l, local.DemoAgent, registered)
}

// waitAccountRegistrations waits until softphone account name shows a registration (or none).
func waitAccountRegistrations(t *testing.T, l *local.Local, name string, registered bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body, err := l.Call(context.Background(), "GET", "/v1/sip-accounts/"+name, l.DemoKey, nil)
		var acc struct {
			Registrations []struct{ Contact string } `json:"registrations"`
		}
		if err == nil && code == http.StatusOK && json.Unmarshal(body, &acc) == nil && (len(acc.Registrations) > 0) == registered {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agent's registrations did not become %v: %d %s %v", registered, code, body, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// heard is what the agent's softphone decoded from the call (sndfile's dump).
func (a *agent) heard(t *testing.T) wav.Audio {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(a.dir, "rec", "*-dec.wav"))
	if len(files) != 1 {
		t.Fatalf("the agent recorded %d calls, want 1\n%s", len(files), a.log.String())
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	au, err := wav.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", files[0], err)
	}
	return au
}

// speechWAV writes what espeak-ng says as an 8 kHz mono WAV (a softphone's audio source).
func speechWAV(t *testing.T, lang, text string) string {
	t.Helper()
	pcm, err := (&voicelocal.Espeak{}).Synthesize(context.Background(), text, lang)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "speech.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := wav.Encode(f, 8000, 1, pcm); err != nil {
		t.Fatal(err)
	}
	return path
}

// A caller keys 0 for a person: the bot hands the call to its queue, the edge rings the
// registered agent's softphone (baresip) and bridges them; each hears the other, the recording
// goes on with the agent on the right, and the agent's BYE ends the call.
func TestTransferToARegisteredAgent(t *testing.T) {
	l := product(t)
	a := startAgent(t, l, speechWAV(t, "en", "Hello, this is Anna from the card team. How can I help you today? Please tell me what happened to your card."))
	words, wordsLen := speech(t, "en", "My card is gone and I need help")
	sipID := call{from: "+8613800138000", steps: []step{
		pause(2 * time.Second), keys(t, "0"), pause(6 * time.Second), say(words, wordsLen), hungUp,
	}}.run(t, l)

	_, evs := callEvents(t, l, sipID)
	xfer := find(evs, events.TypeCallTransferred)
	if len(xfer) != 1 {
		t.Fatalf("call.transferred: %v\n%s", types(evs), a.log.String())
	}
	tr := payload[events.CallTransferred](t, xfer[0])
	if tr.Queue != "general" || tr.TargetKind != events.TransferToAgent || tr.Target != local.DemoAgent {
		t.Fatalf("call.transferred %+v", tr)
	}
	end := payload[events.CallEnded](t, find(evs, events.TypeCallEnded)[0])
	if end.HangupSide != events.HangupAgent || end.Disposition != events.DispositionTransferred || end.TalkMS <= 0 || end.RecordingKey == "" {
		t.Fatalf("call.ended %+v", end)
	}
	rec := recording(t, l, end.RecordingKey)
	last := time.Duration(len(rec.Samples)/2) * time.Second / 8000
	if e := energy(rec.Samples, 1, last-4*time.Second, last); e < 300 {
		t.Fatalf("the agent's greeting is not on the recording's right channel (RMS %.0f over the last 4 s)", e)
	}
	heard := a.heard(t)
	if e := energy(monoAsStereo(heard.Samples), 0, 0, time.Duration(len(heard.Samples))*time.Second/8000); e < 100 {
		t.Fatalf("the agent heard silence (RMS %.0f): the caller's words did not reach the softphone", e)
	}
}

// monoAsStereo lets energy read a mono signal as the left channel.
func monoAsStereo(m []int16) []int16 {
	out := make([]int16, 2*len(m))
	for i, s := range m {
		out[2*i] = s
	}
	return out
}
