package outbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/stream"
	"github.com/lingxi/lingxi/shared/tenant"
)

// networkTimeout bounds every test that talks to the emulators.
const networkTimeout = 3 * time.Minute

// kinesalite is a kinesalite of one test's own, on a fixed loopback port with a data directory,
// so the test can stop it and start it again where its clients expect it, with its streams.
type kinesalite struct {
	t    *testing.T
	port int
	dir  string
	mu   sync.Mutex
	run  *emulators.Running
}

func newKinesalite(t *testing.T) *kinesalite {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	k := &kinesalite{t: t, port: port, dir: t.TempDir()}
	k.start()
	t.Cleanup(k.stop)
	return k
}

func (k *kinesalite) url() string { return fmt.Sprintf("http://127.0.0.1:%d", k.port) }

func (k *kinesalite) start() {
	k.mu.Lock()
	defer k.mu.Unlock()
	r, err := emulators.StartOne(k.t.Context(), "kinesalite", k.port, k.dir, nil)
	if err != nil {
		k.t.Fatalf("start kinesalite: %v", err)
	}
	k.run = r
}

func (k *kinesalite) stop() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.run != nil {
		k.run.Close()
		k.run = nil
	}
}

// subjectLog is what one subject committed, in commit order.
type subjectLog struct {
	key string // the partition key
	ids []string
}

// TestStreamStoppedUnderTraffic is the fault test of issue 7 (defect 8): several conversations of
// two tenants each commit a sequence of events; the stream emulator is stopped in the middle of
// that traffic, commits go on while it is down, it is restarted and the traffic goes on, with two
// relays running on a schedule all along (as overlapping scheduled runs would). Then every
// committed event is on the stream, an event that is there twice is there with the same content,
// and each subject's events first appear in the order they were committed. Before the fix events
// committed while the stream was down were published after newer events of their conversation.
func TestStreamStoppedUnderTraffic(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), networkTimeout)
	defer cancel()
	s := newStore(t)
	kin := newKinesalite(t)
	kc := kinesis.NewFromConfig(emulators.AWSConfig(t), func(o *kinesis.Options) {
		o.BaseEndpoint = aws.String(kin.url())
		o.RetryMaxAttempts = 1 // a stopped stream fails each call at once
	})
	name := "outbox-fault"
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	if err := kinesis.NewStreamExistsWaiter(kc).Wait(ctx, &kinesis.DescribeStreamInput{StreamName: &name}, time.Minute); err != nil {
		t.Fatal(err)
	}
	pub := stream.NewPublisher(kc, name, stream.WithMaxAttempts(2), stream.WithBackoff(time.Millisecond, 10*time.Millisecond))
	box := New(s, pub, slog.New(slog.NewTextHandler(io.Discard, nil)))

	const (
		conversations = 10 // per tenant
		phase         = 6  // events per subject per phase: up, stopping, down, restarted
	)
	var (
		logs     []*subjectLog
		mu       sync.Mutex
		progress = make(map[int]int)  // subject -> events committed
		finished = make(map[int]bool) // subject -> its traffic ended (early if it failed)
		changed  = sync.NewCond(&mu)
		stopped  = make(chan struct{})
		restart  = make(chan struct{})
	)
	for _, name := range []string{"acme", "globex"} {
		ten, _ := tenant.Parse(name)
		for c := range conversations {
			subject := fmt.Sprintf("conv-%d", c)
			logs = append(logs, &subjectLog{key: ten.String() + "#" + subject})
		}
	}
	// waitAll blocks until every subject has committed at least n events.
	waitAll := func(n int) {
		mu.Lock()
		defer mu.Unlock()
		for {
			low := n
			for i := range logs {
				if !finished[i] {
					low = min(low, progress[i])
				}
			}
			if low >= n {
				return
			}
			changed.Wait()
		}
	}
	var traffic sync.WaitGroup
	for i, lg := range logs {
		ten, subject := splitKey(t, lg.key)
		traffic.Go(func() {
			defer func() {
				mu.Lock()
				finished[i] = true
				changed.Broadcast()
				mu.Unlock()
			}()
			for n := range 4 * phase {
				switch n {
				case 2 * phase: // every subject commits a whole phase with the stream down
					<-stopped
				case 3 * phase:
					<-restart
				}
				ev, err := events.New(ten, events.TypeChatMessage, subject, "fault-test", events.ChatMessage{
					ConversationID: subject, Channel: events.ChannelChat, Role: events.RoleCustomer, Text: fmt.Sprintf("message %d", n),
				})
				if err != nil {
					t.Error(err)
					return
				}
				op := store.CreateOp(ten, store.Key{Kind: "note", ID: subject + "-" + ev.ID}, note{ev.ID})
				if err := box.Commit(ctx, []store.Op{op}, ev); err != nil {
					t.Errorf("commit %s event %d: %v", lg.key, n, err)
					return
				}
				mu.Lock()
				lg.ids = append(lg.ids, ev.ID)
				progress[i]++
				changed.Broadcast()
				mu.Unlock()
			}
		})
	}
	relaysDone := make(chan struct{})
	var relays sync.WaitGroup
	for range 2 {
		relays.Go(func() {
			tick := time.NewTicker(150 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-relaysDone:
					return
				case <-tick.C:
					box.Relay(ctx, 200*time.Millisecond) // fails while the stream is down
				}
			}
		})
	}
	waitAll(phase)
	kin.stop() // in the middle of the traffic: commits are running
	close(stopped)
	waitAll(3 * phase)
	kin.start()
	close(restart)
	traffic.Wait()
	close(relaysDone)
	relays.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for {
		n, err := box.Relay(ctx, 0)
		if err != nil {
			t.Fatalf("final relay: %v", err)
		}
		if n == 0 {
			break
		}
	}

	if left := waiting(t, s); len(left) > 0 {
		t.Errorf("the outbox still holds %d records after the relay drained it: %v", len(left), left)
	}

	// Read the whole stream: each shard's records in sequence order.
	data := make(map[string][]byte)    // event id -> content
	first := make(map[string][]string) // partition key -> event ids in order of first appearance
	dups := 0
	for shard, recs := range emulators.ReadShards(t, kc, name) {
		for _, r := range recs {
			ev, err := events.Decode(r.Data)
			if err != nil {
				t.Fatalf("shard %s: %v", shard, err)
			}
			if prev, ok := data[ev.ID]; ok {
				dups++
				if !bytes.Equal(prev, r.Data) {
					t.Errorf("event %s published twice with different content:\n%s\n%s", ev.ID, prev, r.Data)
				}
				continue
			}
			data[ev.ID] = r.Data
			first[aws.ToString(r.PartitionKey)] = append(first[aws.ToString(r.PartitionKey)], ev.ID)
		}
	}
	lost, inversions, overtaking, inverted := 0, 0, 0, 0
	for _, lg := range logs {
		for _, id := range lg.ids {
			if _, ok := data[id]; !ok {
				lost++
			}
		}
		pairs, over := countInversions(lg.ids, first[lg.key])
		inversions += pairs
		overtaking += over
		if pairs > 0 {
			inverted++
		}
	}
	t.Logf("%d subjects, %d events committed, %d duplicates on the stream, %d lost, %d inverted pairs (%d events published before an older one of their subject) in %d subjects",
		len(logs), len(logs)*4*phase, dups, lost, inversions, overtaking, inverted)
	if lost > 0 {
		t.Errorf("%d accepted events are not on the stream", lost)
	}
	if inversions > 0 {
		t.Errorf("%d pairs of one subject's events are on the stream in the opposite of commit order (%d of %d subjects)", inversions, inverted, len(logs))
	}
}

// countInversions counts the pairs of events that appear in got in the opposite order of want, and
// the events of got that appear before an older event (overtook one). Events of got that want
// does not hold count as out of place against every other.
func countInversions(want, got []string) (pairs, overtaking int) {
	pos := make(map[string]int, len(want))
	for i, id := range want {
		pos[id] = i
	}
	for i := range got {
		overtook := false
		for j := i + 1; j < len(got); j++ {
			pi, oki := pos[got[i]]
			pj, okj := pos[got[j]]
			if !oki || !okj || pi > pj {
				pairs++
				overtook = true
			}
		}
		if overtook {
			overtaking++
		}
	}
	return pairs, overtaking
}

func splitKey(t *testing.T, key string) (tenant.ID, string) {
	t.Helper()
	i := slices.Index([]byte(key), '#')
	ten, err := tenant.Parse(key[:i])
	if err != nil {
		t.Fatal(err)
	}
	return ten, key[i+1:]
}
