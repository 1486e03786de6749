// Package local brings the whole product up on one machine — what `make run` does: the emulators,
// every function's real binary under devstack (driven by template.yaml), a platform-admin key, and
// a seeded demo tenant — and tells the user how to reach it. State lives in one folder, so a
// restart keeps the data and the keys unless the user asks for a clean start.
package local

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lingxi/lingxi/infra/devstack"
	"github.com/lingxi/lingxi/shared/auth"
)

// DemoTenant is the tenant `make run` seeds.
const DemoTenant = "demo"

// Options say where the product keeps its state and which ports it takes.
type Options struct {
	Template string // template.yaml
	StateDir string // everything that survives a restart
	Clean    bool   // delete StateDir first
	HTTPPort int    // 0: any free port
	WSPort   int
	SQSPort  int
	Log      io.Writer // devstack's and the functions' log
}

// Local is the running product.
type Local struct {
	Stack    *devstack.Stack
	AdminKey string // the platform-admin key (kept in StateDir/admin-key)
	DemoKey  string // the demo tenant's admin key (kept in StateDir/demo-key)
}

// Start brings the product up and seeds the demo tenant.
func Start(ctx context.Context, opt Options) (*Local, error) {
	if opt.Clean {
		if err := os.RemoveAll(opt.StateDir); err != nil {
			return nil, fmt.Errorf("clean %s: %w", opt.StateDir, err)
		}
	}
	if err := os.MkdirAll(opt.StateDir, 0o755); err != nil {
		return nil, err
	}
	adminKey, err := secret(filepath.Join(opt.StateDir, "admin-key"), func() (string, error) {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		return "lxadmin_" + base64.RawURLEncoding.EncodeToString(b), nil
	})
	if err != nil {
		return nil, fmt.Errorf("platform-admin key: %w", err)
	}
	st, err := devstack.Start(ctx, devstack.Config{
		Template:      opt.Template,
		StateDir:      opt.StateDir,
		Parameters:    map[string]string{"AdminKeySha256": auth.Hash(adminKey), "AllowLoopbackWebhooks": "true"},
		HTTPPort:      opt.HTTPPort,
		WebSocketPort: opt.WSPort,
		SQSPort:       opt.SQSPort,
		Log:           opt.Log,
	})
	if err != nil {
		return nil, err
	}
	l := &Local{Stack: st, AdminKey: adminKey}
	if l.DemoKey, err = l.seedDemo(ctx, filepath.Join(opt.StateDir, "demo-key")); err != nil {
		st.Close()
		return nil, fmt.Errorf("seed demo tenant: %w", err)
	}
	return l, nil
}

// Close stops everything Start started.
func (l *Local) Close() error { return l.Stack.Close() }

// secret reads the secret kept at path, or makes one and keeps it (mode 0600).
func secret(path string, make func() (string, error)) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(bytes.TrimSpace(b)) > 0 {
		return string(bytes.TrimSpace(b)), nil
	}
	s, err := make()
	if err != nil {
		return "", err
	}
	return s, os.WriteFile(path, []byte(s+"\n"), 0o600)
}

// seedDemo creates the demo tenant through the public API, once; later starts reuse its key.
func (l *Local) seedDemo(ctx context.Context, keyPath string) (string, error) {
	if b, err := os.ReadFile(keyPath); err == nil {
		key := string(bytes.TrimSpace(b))
		if code, _, err := l.Call(ctx, "GET", "/v1/tenant", key, nil); err == nil && code == http.StatusOK {
			return key, nil
		}
	}
	code, body, err := l.Call(ctx, "POST", "/v1/tenants", l.AdminKey, map[string]string{"id": DemoTenant, "name": "Demo Bank 演示银行"})
	if err != nil {
		return "", err
	}
	if code == http.StatusConflict {
		return "", fmt.Errorf("tenant %q exists but its key in %s is missing or revoked; run with -clean", DemoTenant, keyPath)
	}
	if code != http.StatusCreated {
		return "", fmt.Errorf("create tenant: HTTP %d: %s", code, body)
	}
	var created struct {
		APIKey struct {
			Key string `json:"key"`
		} `json:"api_key"`
	}
	if err := json.Unmarshal(body, &created); err != nil || created.APIKey.Key == "" {
		return "", fmt.Errorf("create tenant: unexpected answer %s", body)
	}
	return created.APIKey.Key, os.WriteFile(keyPath, []byte(created.APIKey.Key+"\n"), 0o600)
}

// Call sends one JSON request to the local HTTP API and returns the status and body.
func (l *Local) Call(ctx context.Context, method, path, key string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, l.Stack.HTTPURL()+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// Banner is what `make run` prints once the product is up.
func (l *Local) Banner() string {
	var b strings.Builder
	url := l.Stack.HTTPURL()
	fmt.Fprintf(&b, "\nLingxi is running.\n\n")
	fmt.Fprintf(&b, "  HTTP API          %s\n", url)
	for _, api := range l.Stack.WebSocketAPIs() {
		fmt.Fprintf(&b, "  WebSocket API     %s (%s)\n", l.Stack.WebSocketURL(api), api)
	}
	fmt.Fprintf(&b, "  SQS (failures)    %s\n", l.Stack.SQSURL())
	fmt.Fprintf(&b, "  demo tenant       %s\n", DemoTenant)
	fmt.Fprintf(&b, "  demo admin key    %s\n", l.DemoKey)
	fmt.Fprintf(&b, "  platform admin    %s\n\n", l.AdminKey)
	fmt.Fprintf(&b, "Try:\n  curl -s -H 'Authorization: Bearer %s' %s/v1/tenant\n\n", l.DemoKey, url)
	fmt.Fprintf(&b, "Ctrl-C stops everything; data and keys stay in the state folder (make run CLEAN=1 starts afresh).\n")
	return b.String()
}
