package events

import (
	"testing"

	"github.com/lingxi/lingxi/shared/tenant"
)

// The call events' rules that JSON Schema cannot say, and call.ended's additive fields: an event of
// an older producer (without them) still decodes.
func TestCallEvents(t *testing.T) {
	accepts := map[string][]byte{
		"call.ended without the new fields": mutated(t, TypeCallEnded, func(_, d map[string]any) {
			for _, k := range []string{"disposition", "hangup_side", "hangup_cause", "talk_ms", "sip_status", "recording_key"} {
				delete(d, k)
			}
		}),
		"call.ended failed with a SIP status": mutated(t, TypeCallEnded, func(_, d map[string]any) {
			d["reason"], d["disposition"], d["hangup_side"], d["hangup_cause"], d["sip_status"] = "failed", "failed", "edge", "error", 503
			delete(d, "talk_ms")
		}),
		"transfer to a sips URI": mutated(t, TypeCallTransferred, func(_, d map[string]any) {
			d["target_kind"], d["target"] = "sip_uri", "sips:cards@pbx.example.com;transport=tls"
		}),
		"transfer to a host":           mutated(t, TypeCallTransferred, func(_, d map[string]any) { d["target_kind"], d["target"] = "sip_uri", "sip:192.0.2.10:5060" }),
		"barge-in at the prompt's end": mutated(t, TypeCallBargeIn, func(_, d map[string]any) { d["prompt_position_ms"], d["input"] = 3620, "dtmf" }),
		"rejected over TLS, blocked": mutated(t, TypeCallRejected, func(_, d map[string]any) {
			d["transport"], d["reason"], d["source"] = "tls", "blocked", "[2001:db8::7]:5061"
		}),
	}
	for name, in := range accepts {
		t.Run(name, func(t *testing.T) {
			if _, err := Decode(in); err != nil {
				t.Fatal(err)
			}
		})
	}
	rejects := map[string][]byte{
		"talk longer than the call":     mutated(t, TypeCallEnded, func(_, d map[string]any) { d["talk_ms"] = 300000 }),
		"unknown disposition":           mutated(t, TypeCallEnded, func(_, d map[string]any) { d["disposition"] = "lost" }),
		"SIP status 200 for a call end": mutated(t, TypeCallEnded, func(_, d map[string]any) { d["sip_status"] = 200 }),
		"barge-in past the prompt":      mutated(t, TypeCallBargeIn, func(_, d map[string]any) { d["prompt_position_ms"] = 3621 }),
		"barge-in by a cough":           mutated(t, TypeCallBargeIn, func(_, d map[string]any) { d["input"] = "noise" }),
		"URI with a password": mutated(t, TypeCallTransferred, func(_, d map[string]any) {
			d["target_kind"], d["target"] = "sip_uri", "sip:cards:s3cret@pbx.example.com"
		}),
		"not a SIP URI":     mutated(t, TypeCallTransferred, func(_, d map[string]any) { d["target_kind"], d["target"] = "sip_uri", "https://pbx.example.com" }),
		"agent as a URI":    mutated(t, TypeCallTransferred, func(_, d map[string]any) { d["target"] = "sip:alice@pbx.example.com" }),
		"reject 200":        mutated(t, TypeCallRejected, func(_, d map[string]any) { d["sip_status"] = 200 }),
		"reject, no from":   mutated(t, TypeCallRejected, func(_, d map[string]any) { delete(d, "from") }),
		"answered in G.729": mutated(t, TypeCallAnswered, func(_, d map[string]any) { d["codec"] = "G729" }),
	}
	for name, in := range rejects {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(in)
			checkSentinel(t, err, ErrInvalidData)
		})
	}
}

// New refuses a payload its Go type's rules refuse, so no producer emits a transfer with a
// password in its target.
func TestNewRefusesTransferWithPassword(t *testing.T) {
	demo, err := tenant.Parse("demo")
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(demo, TypeCallTransferred, "c1", "media-edge", CallTransferred{
		CallID: "c1", Queue: "cards", TargetKind: TransferToSIPURI, Target: "sip:u:p@h", RingMS: 1})
	checkSentinel(t, err, ErrInvalidData)
}
