package local

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// Regression (issue 7, defect 11): the `make run` banner printed the platform-admin and demo
// admin keys. It now says where they are kept, and its curl lines read them from there.
func TestBannerShowsWhereKeysAreNotKeys(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state dir") // a space, so the path must be quoted
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	const demoKey, adminKey = "lxk_demo_secret_value", "lxadmin_platform_secret_value"
	for name, key := range map[string]string{demoKeyFile: demoKey, adminKeyFile: adminKey} {
		if err := keep(filepath.Join(dir, name), key); err != nil {
			t.Fatal(err)
		}
	}
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Authorization"))
		w.Write([]byte(`{"id":"demo"}`))
	}))
	defer srv.Close()

	b := banner(bannerInfo{HTTPURL: srv.URL, SQSURL: "http://127.0.0.1:9324", StateDir: dir, WebhookPorts: []uint16{40123, 8080},
		Phone: netip.MustParseAddrPort("127.0.0.1:5060"), ConsoleURL: srv.URL + "/console/?tenant=demo",
		WidgetURL: srv.URL + "/widget/?widget=lxw_demo"})
	if regexp.MustCompile(`lxk_|lxadmin_`).MatchString(b) {
		t.Fatalf("the banner shows a key:\n%s", b)
	}
	for _, want := range []string{
		"demo admin key    in '" + dir + "/demo-key'",
		"platform admin    in '" + dir + "/admin-key'",
		"readable only by you",
		`-H "Authorization: Bearer $(cat '` + dir + `/demo-key')" ` + srv.URL + "/v1/tenant",
		`-H "Authorization: Bearer $(cat '` + dir + `/admin-key')"`,
		"only on ports 40123, 8080 (the demo bank's first)",
		"dial sip:+862150001234@127.0.0.1:5060",
		"sipp -sn uac -s 862150001234 -m 1 -i 127.0.0.1 -mi 127.0.0.1 127.0.0.1:5060",
		"register agent1@127.0.0.1:5060, password in '" + dir + "/agent-password'",
		"console           " + srv.URL + "/console/?tenant=demo",
		"agent: sign in as agent1, password in '" + dir + "/agent-password'",
		"supervisor: sign in as supervisor1, password in '" + dir + "/supervisor-password'",
		"chat widget       " + srv.URL + "/widget/?widget=lxw_demo",
		`-H "Authorization: Bearer $(cat '` + dir + `/demo-key')" '` + srv.URL + "/v1/forecasts?product=scheduling'",
	} {
		if !strings.Contains(b, want) {
			t.Errorf("banner lacks %q:\n%s", want, b)
		}
	}
	// The curl line works as printed: the shell reads the key from its file.
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl here")
	}
	line := regexp.MustCompile(`(?m)^\s*(curl .*/v1/tenant)$`).FindStringSubmatch(b)
	if line == nil {
		t.Fatalf("no curl line for /v1/tenant:\n%s", b)
	}
	if out, err := exec.Command("sh", "-c", line[1]).CombinedOutput(); err != nil || got.Load() != "Bearer "+demoKey {
		t.Fatalf("%s: %v %s; the server saw %q", line[1], err, out, got.Load())
	}
}

func TestBannerRelativeStateDir(t *testing.T) {
	b := banner(bannerInfo{HTTPURL: "http://127.0.0.1:3000", StateDir: ".devstack", WebhookPorts: []uint16{40123}})
	want := `curl -s -H "Authorization: Bearer $(cat .devstack/demo-key)" http://127.0.0.1:3000/v1/tenant`
	if !strings.Contains(b, want) {
		t.Errorf("banner lacks %q:\n%s", want, b)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		".devstack/demo-key": ".devstack/demo-key",
		"/a b/demo-key":      "'/a b/demo-key'",
		"it's":               `'it'\''s'`,
		"$(rm)":              "'$(rm)'",
		"":                   "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// Key files are the user's alone, also when an older run left them readable by others.
func TestKeepTightensMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo-key")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := secret(path, func() (string, error) { return "new", nil }); err != nil || got != "old" {
		t.Fatalf("secret = %q, %v", got, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %o after reading, want 600", fi.Mode().Perm())
	}
	os.Chmod(path, 0o644)
	if err := keep(path, "k"); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %o after writing, want 600", fi.Mode().Perm())
	}
}
