package media

import (
	"errors"
	"testing"
	"time"

	"github.com/pion/rtp"
)

func TestParseEvent(t *testing.T) {
	cases := map[string]struct {
		in   []byte
		want Event
		err  error
	}{
		"digit 5 start":     {[]byte{5, 10, 0, 160}, Event{Code: 5, Volume: 10, Duration: 160}, nil},
		"hash end":          {[]byte{11, 0x80 | 7, 0x03, 0x20}, Event{Code: 11, End: true, Volume: 7, Duration: 800}, nil},
		"reserved bit set":  {[]byte{1, 0x40 | 3, 0, 0}, Event{Code: 1, Volume: 3}, nil},
		"redundant block":   {[]byte{2, 0x80, 1, 0, 3, 0, 0, 0}, Event{Code: 2, End: true, Duration: 256}, nil},
		"short":             {[]byte{1, 2, 3}, Event{}, ErrMalformed},
		"empty":             {nil, Event{}, ErrMalformed},
		"max duration":      {[]byte{16, 63, 0xFF, 0xFF}, Event{Code: 16, Volume: 63, Duration: 65535}, nil},
		"not a DTMF (tone)": {[]byte{70, 0, 0, 0}, Event{Code: 70}, nil},
	}
	for name, c := range cases {
		got, err := ParseEvent(c.in)
		if !errors.Is(err, c.err) || got != c.want {
			t.Errorf("%s: %+v, %v; want %+v, %v", name, got, err, c.want, c.err)
		}
		if err == nil && len(c.in) == eventSize && c.in[1]&0x40 == 0 {
			if back := AppendEvent(nil, got); string(back) != string(c.in) {
				t.Errorf("%s: marshals back as %x", name, back)
			}
		}
	}
}

func TestKeysAndEvents(t *testing.T) {
	for _, k := range []byte("0123456789*#ABCDF") {
		code, ok := eventOfKey(k)
		if !ok {
			t.Fatalf("key %c has no event", k)
		}
		if back, ok := keyOfEvent(code); !ok || back != k {
			t.Errorf("key %c → %d → %c", k, code, back)
		}
	}
	if _, ok := eventOfKey('x'); ok {
		t.Error("x is a key")
	}
	if _, ok := keyOfEvent(17); ok {
		t.Error("event 17 is a key")
	}
}

// TestDTMFReceiver: one digit per key press whatever the repeats, an event whose end never came
// reported when the next begins or after the timeout, late copies of ended events ignored.
func TestDTMFReceiver(t *testing.T) {
	var r dtmfReceiver
	var got []Digit
	push := func(code uint8, end bool, dur uint16, ts uint32, tick int64) {
		got = r.push(Event{Code: code, End: end, Duration: dur}, ts, tick, got)
	}
	push(5, false, 160, 1000, 10)
	push(5, false, 320, 1000, 11)
	push(5, true, 480, 1000, 12)
	push(5, true, 480, 1000, 12)
	push(5, true, 480, 1000, 12)
	push(11, false, 160, 3000, 20) // the end of # is lost…
	push(1, false, 160, 5000, 40)  // …and reported when 1 begins
	push(1, true, 400, 5000, 42)
	push(5, true, 480, 1000, 43) // a late copy of 5's end
	push(9, false, 160, 7000, 50)
	got = r.expire(60, got)
	got = r.expire(80, got) // 9 said nothing for 30 ticks
	push(9, true, 800, 7000, 81)
	want := []Digit{
		{Key: '5', Duration: 60 * time.Millisecond, At: 200 * time.Millisecond},
		{Key: '#', Duration: 20 * time.Millisecond, At: 400 * time.Millisecond},
		{Key: '1', Duration: 50 * time.Millisecond, At: 800 * time.Millisecond},
		{Key: '9', Duration: 20 * time.Millisecond, At: time.Second},
	}
	if len(got) != len(want) {
		t.Fatalf("digits %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("digit %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestDTMFBothWays: session A sends a key press as RFC 4733 over loopback to session B, which
// reports it once; the packets on the wire are checked by a pion/rtp peer too.
func TestDTMFBothWays(t *testing.T) {
	pr := newPeer(t)
	b := startSession(t, Params{Codec: PCMU, DTMFPayloadType: 101}, Options{Clock: systemClock{}})
	a := startSession(t, Params{Remote: pr.addr(), Codec: PCMU, DTMFPayloadType: 101}, Options{DTX: true})
	pr.to = b.addr()
	a.frame(t)
	a.SendDTMF('7', 100*time.Millisecond)
	a.SendDTMF('#', 40*time.Millisecond)
	// 100 ms: 5 packets growing to 800 then 2 more ends; a 3-tick gap; 40 ms: 2 packets, 2 ends.
	for range 7 + dtmfGap + 4 {
		a.step(t)
	}
	var pks []rtp.Packet
	for range 11 {
		pk := pr.recv()
		pks = append(pks, pk)
		pr.send(&pk) // relay to B
	}
	wantDur := []uint16{160, 320, 480, 640, 800, 800, 800, 160, 320, 320, 320}
	for i, pk := range pks {
		e, err := ParseEvent(pk.Payload)
		if err != nil || pk.PayloadType != 101 {
			t.Fatalf("packet %d: pt %d %v", i, pk.PayloadType, err)
		}
		first, ts := i == 0 || i == 7, pks[0].Timestamp
		if i >= 7 {
			ts = pks[7].Timestamp
		}
		if pk.Marker != first || pk.Timestamp != ts || e.Duration != wantDur[i] || e.End != (i >= 4 && i < 7 || i >= 8) || e.Volume != dtmfVolume {
			t.Errorf("packet %d: marker %v ts %d %+v", i, pk.Marker, pk.Timestamp, e)
		}
	}
	if pks[7].Timestamp != pks[0].Timestamp+(7+dtmfGap)*FrameSamples {
		t.Errorf("second event starts at +%d", pks[7].Timestamp-pks[0].Timestamp)
	}
	for _, want := range []Digit{{Key: '7', Duration: 100 * time.Millisecond}, {Key: '#', Duration: 40 * time.Millisecond}} {
		select {
		case d := <-b.DTMF():
			if d.Key != want.Key || d.Duration != want.Duration {
				t.Errorf("B got %+v, want %+v", d, want)
			}
		case <-time.After(guard):
			t.Fatalf("B never reported %c", want.Key)
		}
	}
	// Not negotiated: nothing is sent.
	c := startSession(t, Params{Remote: pr.addr(), Codec: PCMU}, Options{DTX: true})
	c.frame(t)
	c.SendDTMF('1', time.Second)
	c.step(t)
	if st := c.Stats(); st.PacketsOut != 0 {
		t.Errorf("DTMF sent without telephone-event: %+v", st)
	}
}
