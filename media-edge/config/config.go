// Package config is the media edge's configuration: defaults, then a JSON file (unknown keys
// rejected), then environment variables, then Validate. main builds one Config and passes it
// down; nothing reads the environment after start.
package config

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/egress"
)

// Config is everything the edge needs to start.
type Config struct {
	// SIP listeners ("host:port"; empty turns a transport off). TLS needs TLSCert and TLSKey.
	SIPUDP  string `json:"sip_udp"`
	SIPTCP  string `json:"sip_tcp"`
	SIPTLS  string `json:"sip_tls"`
	TLSCert string `json:"tls_cert"`
	TLSKey  string `json:"tls_key"`
	// Advertise is the address peers reach this task at: put in Contact headers and SDP. It is
	// separate from the bind addresses (a Fargate task binds 0.0.0.0 and is reached at its
	// public or load-balanced address).
	Advertise string `json:"advertise"`
	// RTPBind is the address RTP sockets bind; RTPMin..RTPMax (even, inclusive) their ports.
	RTPBind string `json:"rtp_bind"`
	RTPMin  int    `json:"rtp_min"`
	RTPMax  int    `json:"rtp_max"`
	// RTPInactivity: a call that receives no RTP for this long is ended with a BYE.
	RTPInactivity Duration `json:"rtp_inactivity"`
	// HealthHTTP serves GET /healthz ("" = off).
	HealthHTTP string `json:"health_http"`
	// AuthFailures digest failures from one source within BlockFor block it for BlockFor.
	AuthFailures int      `json:"auth_failures"`
	BlockFor     Duration `json:"block_for"`
	// MaxCalls refuses new calls with 503 beyond this many at once.
	MaxCalls int `json:"max_calls"`
	// EndSilence is the endpointing silence: an utterance ends after this much of it.
	EndSilence Duration `json:"end_silence"`
	// Engines is "local" (pocketsphinx, espeak-ng) or "aws" (Transcribe streaming, Polly).
	Engines string `json:"engines"`
	// PromptCacheBytes bounds the synthesised prompts kept in memory.
	PromptCacheBytes int `json:"prompt_cache_bytes"`
	// Table, Stream, ChatFunction and RecordingsBucket name the platform's resources.
	Table            string `json:"table"`
	Stream           string `json:"stream"`
	ChatFunction     string `json:"chat_function"`
	RecordingsBucket string `json:"recordings_bucket"`
	// Record turns dual-channel recording on.
	Record bool `json:"record"`
	// NonceKey (hex, at least 16 bytes) signs digest nonces; the edge tasks of one deployment
	// share it so that a challenge one task sent may be answered to another. Empty: a random key
	// per task (one task, or the local stack).
	NonceKey string `json:"nonce_key"`
	// MaxCall ends a call that lasts longer.
	MaxCall Duration `json:"max_call"`
	// SpoolDir holds the recordings' spool files (the OS's temporary folder when empty): a
	// writable volume in a container whose root is read-only.
	SpoolDir string `json:"spool_dir"`
	// DrainTimeout is how long the first SIGTERM waits for the calls in progress; shorter than
	// the container's stop timeout (Fargate kills 120 s after the signal).
	DrainTimeout Duration `json:"drain_timeout"`
	// LoopbackSIPPorts are loopback ports a transfer target's SIP URI may name ("5070,5071"):
	// softphones of the local stack's user. Empty in AWS: transfer targets must be public.
	LoopbackSIPPorts string `json:"loopback_sip_ports"`
}

// AdvertiseTask, as the advertised address, makes the edge find its own: the task's address in
// its VPC, from the ECS task metadata endpoint (every task of a service then advertises itself).
const AdvertiseTask = "task"

// Duration is a time.Duration written as Go text ("500ms", "30s") in the file.
type Duration time.Duration

// UnmarshalJSON reads "500ms"-style text.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is text such as \"500ms\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as text.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Defaults is a configuration that serves one machine.
func Defaults() Config {
	return Config{
		SIPUDP: "127.0.0.1:5060", SIPTCP: "127.0.0.1:5060", Advertise: "127.0.0.1",
		RTPBind: "127.0.0.1", RTPMin: 20000, RTPMax: 29998,
		RTPInactivity: Duration(30 * time.Second), HealthHTTP: "127.0.0.1:5080",
		AuthFailures: 5, BlockFor: Duration(10 * time.Minute), MaxCalls: 4000,
		EndSilence: Duration(400 * time.Millisecond), Engines: "local", PromptCacheBytes: 64 << 20,
		Record: true, DrainTimeout: Duration(10 * time.Minute), MaxCall: Duration(4 * time.Hour),
	}
}

// Load is Defaults, then the JSON file at path (when path is not empty), then the environment
// (LINGXI_EDGE_<FIELD>, e.g. LINGXI_EDGE_RTP_MIN), then Validate.
func Load(path string, env func(string) string) (Config, error) {
	c := Defaults()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("read config: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return Config{}, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := c.fromEnv(env); err != nil {
		return Config{}, err
	}
	return c, c.Validate()
}

// fromEnv overrides fields named by LINGXI_EDGE_<JSON NAME IN CAPITALS>.
func (c *Config) fromEnv(env func(string) string) error {
	var errs []error
	str := func(name string, p *string) {
		if v := env("LINGXI_EDGE_" + name); v != "" {
			*p = v
		}
	}
	num := func(name string, p *int) {
		if v := env("LINGXI_EDGE_" + name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("LINGXI_EDGE_%s: %w", name, err))
			}
			*p = n
		}
	}
	dur := func(name string, p *Duration) {
		if v := env("LINGXI_EDGE_" + name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("LINGXI_EDGE_%s: %w", name, err))
			}
			*p = Duration(d)
		}
	}
	str("SIP_UDP", &c.SIPUDP)
	str("SIP_TCP", &c.SIPTCP)
	str("SIP_TLS", &c.SIPTLS)
	str("TLS_CERT", &c.TLSCert)
	str("TLS_KEY", &c.TLSKey)
	str("ADVERTISE", &c.Advertise)
	str("RTP_BIND", &c.RTPBind)
	num("RTP_MIN", &c.RTPMin)
	num("RTP_MAX", &c.RTPMax)
	dur("RTP_INACTIVITY", &c.RTPInactivity)
	str("HEALTH_HTTP", &c.HealthHTTP)
	num("AUTH_FAILURES", &c.AuthFailures)
	dur("BLOCK_FOR", &c.BlockFor)
	num("MAX_CALLS", &c.MaxCalls)
	dur("END_SILENCE", &c.EndSilence)
	str("ENGINES", &c.Engines)
	num("PROMPT_CACHE_BYTES", &c.PromptCacheBytes)
	str("TABLE", &c.Table)
	str("STREAM", &c.Stream)
	str("CHAT_FUNCTION", &c.ChatFunction)
	str("RECORDINGS_BUCKET", &c.RecordingsBucket)
	str("NONCE_KEY", &c.NonceKey)
	str("LOOPBACK_SIP_PORTS", &c.LoopbackSIPPorts)
	str("SPOOL_DIR", &c.SpoolDir)
	dur("DRAIN_TIMEOUT", &c.DrainTimeout)
	dur("MAX_CALL", &c.MaxCall)
	if v := env("LINGXI_EDGE_RECORD"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("LINGXI_EDGE_RECORD: %w", err))
		}
		c.Record = b
	}
	return errors.Join(errs...)
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.SIPUDP == "" && c.SIPTCP == "" && c.SIPTLS == "" {
		bad("no SIP listener: set sip_udp, sip_tcp or sip_tls")
	}
	for _, f := range []struct{ name, v string }{{"sip_udp", c.SIPUDP}, {"sip_tcp", c.SIPTCP}, {"sip_tls", c.SIPTLS}, {"health_http", c.HealthHTTP}} {
		if f.v == "" {
			continue
		}
		if _, err := netip.ParseAddrPort(f.v); err != nil {
			bad("%s %q: want ip:port: %v", f.name, f.v, err)
		}
	}
	if c.SIPTLS != "" && (c.TLSCert == "" || c.TLSKey == "") {
		bad("sip_tls needs tls_cert and tls_key")
	}
	if a, err := netip.ParseAddr(c.Advertise); c.Advertise != AdvertiseTask && (err != nil || a.IsUnspecified()) {
		bad("advertise %q: want the address peers reach this task at (not 0.0.0.0), or %q", c.Advertise, AdvertiseTask)
	}
	if c.MaxCall < Duration(time.Minute) {
		bad("max_call %v: at least 1m", time.Duration(c.MaxCall))
	}
	if c.DrainTimeout < 0 {
		bad("drain_timeout must not be negative")
	}
	if _, err := netip.ParseAddr(c.RTPBind); err != nil {
		bad("rtp_bind %q: %v", c.RTPBind, err)
	}
	switch {
	case c.RTPMin < 1024 || c.RTPMax > 65534 || c.RTPMin > c.RTPMax:
		bad("rtp range %d–%d: want 1024 ≤ min ≤ max ≤ 65534", c.RTPMin, c.RTPMax)
	case c.RTPMin%2 != 0:
		bad("rtp_min %d: RTP uses even ports", c.RTPMin)
	}
	if c.RTPInactivity < Duration(time.Second) {
		bad("rtp_inactivity %v: at least 1s", time.Duration(c.RTPInactivity))
	}
	if c.EndSilence < Duration(100*time.Millisecond) || c.EndSilence > Duration(5*time.Second) {
		bad("end_silence %v: between 100ms and 5s", time.Duration(c.EndSilence))
	}
	if c.AuthFailures < 1 || c.BlockFor <= 0 {
		bad("auth_failures and block_for must be positive")
	}
	if c.MaxCalls < 1 {
		bad("max_calls must be positive")
	}
	if c.Engines != "local" && c.Engines != "aws" {
		bad("engines %q: \"local\" or \"aws\"", c.Engines)
	}
	for _, f := range []struct{ name, v string }{{"table", c.Table}, {"stream", c.Stream}, {"chat_function", c.ChatFunction}} {
		if strings.TrimSpace(f.v) == "" {
			bad("%s is required", f.name)
		}
	}
	if k, err := hex.DecodeString(c.NonceKey); err != nil || c.NonceKey != "" && len(k) < 16 {
		bad("nonce_key: want at least 16 bytes in hex")
	}
	if _, err := egress.ParsePorts(c.LoopbackSIPPorts); err != nil {
		bad("loopback_sip_ports: %v", err)
	}
	if c.Record && c.RecordingsBucket == "" {
		bad("record needs recordings_bucket")
	}
	return errors.Join(errs...)
}
