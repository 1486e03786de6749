// Package sip is the SIP signalling of the media edge, built on github.com/emiago/sipgo.
//
// A Server listens on UDP, TCP and TLS, answers OPTIONS (the SIP health check), authorises and
// answers INVITEs, keeps each answered call as a dialog whose lifetime is a context, takes
// softphone REGISTERs, and places outgoing legs for transfers (Dial). Media itself is not here:
// the server hands each answered call, with the negotiated media.Params and the RTP socket, to a
// CallHandler.
//
// Files, one concern each:
//
//   - config.go: Config, Deps and the consumer-side interfaces (PortAllocator, CallHandler,
//     EventSink).
//   - server.go: listeners, request routing, OPTIONS, unsupported methods, draining.
//   - malformed.go: a read filter that answers unparseable UDP requests with 400.
//   - authorize.go: who may call a number (trunk CIDRs and transport, digest, softphone accounts).
//   - digest.go: stateless HMAC-timestamped nonces and HA1 digest verification.
//   - blocklist.go: sources blocked after repeated authorisation failures (bounded map).
//   - invite.go: the answering side of a call (100, 180, 200, ACK, CANCEL).
//   - session.go: what a call and a dialled leg share: negotiated media, Updates, later offers
//     (re-INVITE with ACK wait and 2xx retransmission, UPDATE), how the dialog ended.
//   - call.go: Call, hangup, the RTP inactivity timer (Touch), ACK routing.
//   - register.go: REGISTER with digest, Expires and Min-Expires; a binding is the Contact's user
//     and parameters at the address the REGISTER came from, so an agent is dialled only there.
//   - dial.go: Leg, an outgoing INVITE for a transfer.
//   - sdp.go: SDP offer/answer (PCMU/PCMA, telephone-event, ptime 20, SDES SRTP).
//   - errors.go: sentinel errors and the SIP status each maps to.
//
// Tests run against real peers over loopback: sipgo's UAC, SIPp scenarios (testdata/sipp) and
// baresip as an agent's softphone. SIP_DEBUG=true prints every SIP message of a test run.
//
// media.Params.Direction, as filled here, is the edge's own direction from its SDP answer (or
// from the peer's answer to the edge's offer, mirrored): "recvonly" and "inactive" mean the edge
// must not send RTP (the peer put the call on hold); "sendonly" means the peer will not send.
package sip
