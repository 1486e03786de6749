package media

import (
	"encoding/binary"
	"fmt"
	"time"
)

// RFC 4733 telephone-events: the 4-byte payload, the receiver that turns a stream of event packets
// into one Digit per key press, and the sender's schedule.

// Digit is one key press received as RFC 4733 events.
type Digit struct {
	// Key is '0'–'9', '*', '#', 'A'–'D', or 'F' for a flash (event 16).
	Key byte
	// Duration is the event's duration as its sender reported it.
	Duration time.Duration
	// At is the session time (since Run began ticking) when the event's first packet arrived.
	At time.Duration
}

// Event is one RFC 4733 telephone-event payload.
type Event struct {
	Code     uint8  // 0–9, 10 '*', 11 '#', 12–15 'A'–'D', 16 flash
	End      bool   // E bit: the last packets of the event
	Volume   uint8  // power level in −dBm0, 0–63
	Duration uint16 // in RTP timestamp units (samples at 8 kHz) since the event began
}

// eventSize is the size of one telephone-event payload.
const eventSize = 4

// ParseEvent decodes an RFC 4733 payload. Only the first event is read (RFC 4733 §2.5.1.1:
// redundant blocks are not used by telephone-event senders of this kind).
func ParseEvent(b []byte) (Event, error) {
	if len(b) < eventSize {
		return Event{}, fmt.Errorf("telephone-event payload of %d bytes: %w", len(b), ErrMalformed)
	}
	return Event{
		Code:     b[0],
		End:      b[1]&0x80 != 0,
		Volume:   b[1] & 0x3F,
		Duration: binary.BigEndian.Uint16(b[2:4]),
	}, nil
}

// AppendEvent appends e's payload to b.
func AppendEvent(b []byte, e Event) []byte {
	f := e.Volume & 0x3F
	if e.End {
		f |= 0x80
	}
	return append(b, e.Code, f, byte(e.Duration>>8), byte(e.Duration))
}

// keyOfEvent maps an event code to its key; ok is false for codes that are not DTMF.
func keyOfEvent(code uint8) (byte, bool) {
	switch {
	case code <= 9:
		return '0' + code, true
	case code == 10:
		return '*', true
	case code == 11:
		return '#', true
	case code >= 12 && code <= 15:
		return 'A' + code - 12, true
	case code == 16:
		return 'F', true
	}
	return 0, false
}

// eventOfKey is keyOfEvent's inverse.
func eventOfKey(k byte) (uint8, bool) {
	switch {
	case k >= '0' && k <= '9':
		return k - '0', true
	case k == '*':
		return 10, true
	case k == '#':
		return 11, true
	case k >= 'A' && k <= 'D':
		return 12 + k - 'A', true
	case k >= 'a' && k <= 'd':
		return 12 + k - 'a', true
	case k == 'F' || k == 'f':
		return 16, true
	}
	return 0, false
}

const (
	// dtmfTimeoutTicks ends an event whose end packets were all lost: nothing heard for 0.5 s.
	dtmfTimeoutTicks = 25
	// dtmfRecent is how many ended events' timestamps are remembered, so that a late copy of an
	// end packet does not start a second digit.
	dtmfRecent = 4
)

// dtmfReceiver turns event packets into digits: all packets with one RTP timestamp are one key
// press, reported once (on the first end packet, or when the event stops without one).
type dtmfReceiver struct {
	active    bool
	emitted   bool
	ts        uint32
	key       byte
	dur       uint16
	startTick int64
	lastTick  int64
	recent    [dtmfRecent]uint32
	nRecent   int
}

// push takes one event packet received at tick and returns the digits it completes (at most two:
// an earlier event left without its end, and this one).
func (r *dtmfReceiver) push(e Event, ts uint32, tick int64, out []Digit) []Digit {
	key, ok := keyOfEvent(e.Code)
	if !ok {
		return out
	}
	if !r.active || ts != r.ts {
		if r.seen(ts) {
			return out // a late copy of an event already reported
		}
		out = r.finish(out)
		*r = dtmfReceiver{active: true, ts: ts, key: key, startTick: tick, recent: r.recent, nRecent: r.nRecent}
	}
	r.lastTick = tick
	if r.emitted {
		return out // the second and third end packets, or a retransmission
	}
	r.dur = max(r.dur, e.Duration)
	if e.End {
		out = r.finish(out)
	}
	return out
}

// expire reports an event that stopped without its end packets.
func (r *dtmfReceiver) expire(tick int64, out []Digit) []Digit {
	if r.active && !r.emitted && tick-r.lastTick > dtmfTimeoutTicks {
		out = r.finish(out)
	}
	return out
}

func (r *dtmfReceiver) finish(out []Digit) []Digit {
	if !r.active || r.emitted {
		return out
	}
	r.emitted = true
	r.recent[r.nRecent%dtmfRecent] = r.ts
	r.nRecent++
	return append(out, Digit{
		Key:      r.key,
		Duration: time.Duration(r.dur) * time.Second / sampleRate,
		At:       time.Duration(r.startTick) * FramePeriod,
	})
}

func (r *dtmfReceiver) seen(ts uint32) bool {
	for i := range min(r.nRecent, dtmfRecent) {
		if r.recent[i] == ts {
			return true
		}
	}
	return false
}

// dtmfSend is one key press being sent: one packet per tick with a growing duration, then three
// end packets, all with the timestamp of the event's first packet.
type dtmfSend struct {
	code  uint8
	total uint16 // samples
	ts    uint32
	sent  uint16 // duration reported so far
	ends  int
	begun bool
}

const (
	dtmfVolume = 10 // −10 dBm0
	dtmfEnds   = 3  // end packets per event (RFC 4733 §2.5.1.4)
	dtmfGap    = 3  // ticks of audio between two events
	dtmfMinDur = 40 * time.Millisecond
	dtmfMaxDur = 8 * time.Second
)

// next returns the payload of the event's next packet and whether it carries the marker bit; done
// reports that the event is over (this was its last end packet).
func (d *dtmfSend) next(buf []byte) (payload []byte, marker, done bool) {
	marker = !d.begun
	d.begun = true
	if d.sent < d.total {
		d.sent = uint16(min(int(d.sent)+FrameSamples, int(d.total)))
	}
	end := d.sent >= d.total
	if end {
		d.ends++
	}
	return AppendEvent(buf[:0], Event{Code: d.code, End: end, Volume: dtmfVolume, Duration: d.sent}), marker, d.ends >= dtmfEnds
}
