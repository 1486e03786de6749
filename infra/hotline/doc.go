// Package hotline holds the hotline's end-to-end tests: the local stack with its media edge,
// called by real SIP peers over loopback (SIPp as the caller, baresip as the agent's softphone),
// speaking with espeak-ng and heard by pocketsphinx.
package hotline
