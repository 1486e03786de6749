package hotline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/devstack"
	"github.com/lingxi/lingxi/infra/local"
	"github.com/lingxi/lingxi/infra/logbuf"
	"github.com/lingxi/lingxi/media-edge/config"
	"github.com/lingxi/lingxi/media-edge/media"
	voicelocal "github.com/lingxi/lingxi/media-edge/voice/local"
	"github.com/lingxi/lingxi/media-edge/voice/wav"
	"github.com/lingxi/lingxi/shared/conversation"
)

// stack is one local stack for the whole package: the tests call it in turn.
var (
	stackOnce sync.Once
	stackL    *local.Local
	stackLog  = &logbuf.Buffer{}
	stackErr  error
	stackDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if stackL != nil {
		stackL.Close()
	}
	if stackDir != "" {
		os.RemoveAll(stackDir)
	}
	os.Exit(code)
}

func product(t *testing.T) *local.Local {
	t.Helper()
	for _, bin := range []string{"sipp", "espeak-ng", "pocketsphinx_batch"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s is missing: run bash infra/deps/install.sh (make test does)", bin)
		}
	}
	stackOnce.Do(func() {
		stackDir, stackErr = os.MkdirTemp("", "lingxi-hotline-")
		if stackErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		// SIPp callers send RTP only while they speak or key, where a phone streams all call long:
		// on a loaded machine a slow turn could outlast the 30 s RTP inactivity timer (which has
		// its own tests in media-edge/sip), so these calls allow more.
		stackL, stackErr = local.Start(ctx, local.Options{Template: "../../template.yaml", StateDir: stackDir, Log: stackLog,
			Edge: local.EdgeOptions{RTPInactivity: config.Duration(2 * time.Minute)}})
	})
	if stackErr != nil {
		t.Fatalf("start the local stack: %v\n%s", stackErr, stackLog.String())
	}
	return stackL
}

// step is one line of a caller's script.
type step string

func pause(d time.Duration) step {
	return step(fmt.Sprintf(`<pause milliseconds="%d"/>`, d.Milliseconds()))
}

// keys presses keys as RFC 4733 events (keyPcap), then waits for the last one to end.
func keys(t *testing.T, ks string) step {
	f, d := keyPcap(t, ks)
	return step(fmt.Sprintf(`<nop><action><exec play_pcap_audio="%s"/></action></nop>`, f)) + pause(d+200*time.Millisecond)
}

// say plays a µ-law file as the caller's voice and waits for its end.
func say(file string, d time.Duration) step {
	return step(fmt.Sprintf(`<nop><action><exec rtp_stream="%s,1,0"/></action></nop>`, file)) + pause(d)
}

// hangUp is the caller's BYE.
const hangUp step = `<send retrans="500"><![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[$from]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0
    ]]></send>
  <recv response="200"/>`

// hungUp waits for the edge's BYE and answers it.
const hungUp step = `<recv request="BYE" timeout="60000"/>
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]></send>`

// call is one SIPp caller of the demo number; it returns the call's id.
type call struct {
	from  string // the caller's number
	steps []step
	// sipCallID, when set, is the SIP Call-ID the caller uses (a device may reuse one).
	sipCallID string
}

var callSeq struct {
	sync.Mutex
	n int
}

func (c call) run(t *testing.T, l *local.Local) string {
	t.Helper()
	tmpl, err := os.ReadFile("testdata/caller.xml")
	if err != nil {
		t.Fatal(err)
	}
	var script strings.Builder
	for _, s := range c.steps {
		script.WriteString(string(s) + "\n  ")
	}
	dir := t.TempDir()
	scen := filepath.Join(dir, "caller.xml")
	if err := os.WriteFile(scen, bytes.Replace(tmpl, []byte("<!-- SCRIPT -->"), []byte(script.String()), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	callSeq.Lock()
	callSeq.n++
	id := fmt.Sprintf("hotline-%d-%d", os.Getpid(), callSeq.n)
	callSeq.Unlock()
	if c.sipCallID != "" {
		id = c.sipCallID
	}
	// SIPp's own media port (pcap playback) is a free one, not its default 6000 that another
	// SIPp of a test running beside this one may hold.
	ln, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mediaPort := ln.LocalAddr().(*net.UDPAddr).Port
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	edge := l.EdgeAddr()
	cmd := exec.CommandContext(ctx, "sipp", "-sf", scen, "-s", strings.TrimPrefix(local.DemoNumber, "+"),
		"-set", "from", c.from, "-cid_str", id, "-m", "1", "-l", "1",
		"-i", "127.0.0.1", "-p", "0", "-mi", "127.0.0.1", "-mp", fmt.Sprint(mediaPort), "-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
		"-nostdin", edge.String())
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		errs, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
		t.Fatalf("sipp: %v\n%s\n%s\n--- stack log (tail) ---\n%s", err, tail(string(out), 2000), errs, tail(stackLog.String(), 6000))
	}
	return id
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// speech writes what espeak-ng says as the raw µ-law file SIPp's rtp_stream plays, and returns
// its length.
func speech(t *testing.T, lang, text string) (string, time.Duration) {
	t.Helper()
	pcm, err := (&voicelocal.Espeak{}).Synthesize(context.Background(), text, lang)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, len(pcm))
	for i, s := range pcm {
		b[i] = media.ULawEncode(s)
	}
	f := filepath.Join(t.TempDir(), "speech.ulaw")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return f, time.Duration(len(pcm)) * time.Second / 8000
}

// transcript is the call's conversation as the tenant's API shows it.
type transcript struct {
	State    string `json:"state"`
	Outcome  string `json:"outcome"`
	Queue    string `json:"queue"`
	Messages []struct {
		Role string `json:"role"`
		Text string `json:"text"`
	} `json:"messages"`
}

func conversationOf(t *testing.T, l *local.Local, callID string) transcript {
	t.Helper()
	code, body, err := l.Call(context.Background(), "GET", "/v1/conversations/"+url.PathEscape(conversation.VoiceConversationID(callID)), l.DemoKey, nil)
	if err != nil || code != http.StatusOK {
		t.Fatalf("conversation of %s: %d %s %v", callID, code, body, err)
	}
	var tr transcript
	if err := json.Unmarshal(body, &tr); err != nil {
		t.Fatal(err)
	}
	return tr
}

func (tr transcript) String() string {
	var b strings.Builder
	for _, m := range tr.Messages {
		fmt.Fprintf(&b, "  %s: %s\n", m.Role, m.Text)
	}
	return b.String()
}

// callEvents reads the stream until the call's call.ended arrives (or a minute passes): the call
// is found by its SIP Call-ID in call.started (a call that reused the Call-ID of earlier ones
// names their ids in earlier), and its events by the edge's own call id (their
// subject). It returns that id and the call's events in order.
func callEvents(t *testing.T, l *local.Local, sipCallID string, earlier ...string) (string, []events.Envelope) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		all := streamEvents(t, l)
		id := ""
		for _, e := range all {
			if e.Type == events.TypeCallStarted && payload[events.CallStarted](t, e).SIPCallID == sipCallID && !slices.Contains(earlier, e.Subject) {
				id = e.Subject
			}
		}
		var got []events.Envelope
		for _, e := range all {
			if id != "" && e.Subject == id {
				got = append(got, e)
			}
		}
		if len(find(got, events.TypeCallEnded)) > 0 {
			return id, got
		}
		if time.Now().After(deadline) {
			t.Fatalf("no call.ended for SIP call %s (call %q); its events: %v", sipCallID, id, types(got))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// streamEvents reads every event on the local stack's stream, in each shard's order.
func streamEvents(t *testing.T, l *local.Local) []events.Envelope {
	t.Helper()
	kc := kinesis.NewFromConfig(aws.Config{Region: devstack.Region, Credentials: devstack.Credentials()},
		func(o *kinesis.Options) { o.BaseEndpoint = aws.String(l.Stack.Endpoints().Kinesis) })
	name := l.Stack.Ref("EventStream")
	ctx := context.Background()
	var all []events.Envelope
	shards, err := kc.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range shards.Shards {
		it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: sh.ShardId, ShardIteratorType: kinesistypes.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		iter := it.ShardIterator
		for iter != nil {
			out, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range out.Records {
				if env, err := events.Decode(r.Data); err == nil {
					all = append(all, env)
				}
			}
			if len(out.Records) == 0 || aws.ToInt64(out.MillisBehindLatest) == 0 {
				break
			}
			iter = out.NextShardIterator
		}
	}
	return all
}

func types(evs []events.Envelope) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

// recording fetches a call's recording from the local S3 and decodes it.
func recording(t *testing.T, l *local.Local, key string) wav.Audio {
	t.Helper()
	sc := s3.NewFromConfig(aws.Config{Region: devstack.Region, Credentials: devstack.Credentials()},
		func(o *s3.Options) { o.BaseEndpoint, o.UsePathStyle = aws.String(l.Stack.Endpoints().S3), true })
	out, err := sc.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(l.Stack.Ref("Bucket")), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("recording %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	a, err := wav.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("recording %s: %v", key, err)
	}
	return a
}

// edgeLog is what the media edge logged about one call.
func edgeLog(callID string) string {
	var b strings.Builder
	for _, line := range strings.Split(stackLog.String(), "\n") {
		if strings.Contains(line, callID) {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}
