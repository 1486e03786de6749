package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var required = map[string]string{
	"LINGXI_EDGE_TABLE": "lingxi", "LINGXI_EDGE_STREAM": "events", "LINGXI_EDGE_CHAT_FUNCTION": "chat",
	"LINGXI_EDGE_RECORDINGS_BUCKET": "recordings",
}

func TestLoadLayers(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "edge.json")
	if err := os.WriteFile(file, []byte(`{"rtp_min": 30000, "rtp_max": 30100, "end_silence": "300ms", "advertise": "127.0.0.2"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	e := map[string]string{"LINGXI_EDGE_RTP_MAX": "30200"}
	for k, v := range required {
		e[k] = v
	}
	c, err := Load(file, env(e))
	if err != nil {
		t.Fatal(err)
	}
	if c.RTPMin != 30000 || c.RTPMax != 30200 || time.Duration(c.EndSilence) != 300*time.Millisecond || c.Advertise != "127.0.0.2" {
		t.Errorf("file then env: got %+v", c)
	}
	if c.SIPUDP != Defaults().SIPUDP {
		t.Errorf("defaults lost: %q", c.SIPUDP)
	}
}

func TestLoadRejects(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct {
		file string
		env  map[string]string
		want []string
	}{
		"unknown key":        {file: `{"rtp_mni": 1}`, want: []string{"unknown field"}},
		"every problem once": {env: map[string]string{"LINGXI_EDGE_RTP_MIN": "20001", "LINGXI_EDGE_ADVERTISE": "0.0.0.0", "LINGXI_EDGE_ENGINES": "cloud"}, want: []string{"even ports", "advertise", "engines", "table is required"}},
		"bad number":         {env: map[string]string{"LINGXI_EDGE_RTP_MIN": "many"}, want: []string{"LINGXI_EDGE_RTP_MIN"}},
		"tls without cert":   {env: map[string]string{"LINGXI_EDGE_SIP_TLS": "127.0.0.1:5061"}, want: []string{"tls_cert"}},
		"short nonce key":    {env: map[string]string{"LINGXI_EDGE_NONCE_KEY": "abcd"}, want: []string{"nonce_key"}},
		"bad loopback ports": {env: map[string]string{"LINGXI_EDGE_LOOPBACK_SIP_PORTS": "5070,x"}, want: []string{"loopback_sip_ports"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := ""
			if tc.file != "" {
				path = filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
				if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Load(path, env(tc.env))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
