// Package local brings the whole product up on one machine — what `make run` does: the emulators,
// every function's real binary under devstack (driven by template.yaml), a platform-admin key, and
// a seeded demo tenant — and tells the user how to reach it. State lives in one folder, readable
// only by the user (0700; the keys in it 0600), so a restart keeps the data and the keys unless
// the user asks for a clean start. The banner says where the keys are kept, never the keys.
package local

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/lingxi/lingxi/infra/devstack"
	"github.com/lingxi/lingxi/media-edge/edge"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/egress"
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
	// WebhookPorts are loopback ports, besides the demo bank's, that flow webhooks may call
	// (a tenant's own test server on this machine). Every other loopback port stays refused.
	WebhookPorts []uint16
	// WebhookRetryBase and WebhookRetryMaxAge shorten partners' event-webhook retries (the
	// template's WebhookRetryBase and WebhookRetryMaxAge; 0: its defaults, 30 s and 24 h).
	WebhookRetryBase, WebhookRetryMaxAge time.Duration
	Log                                  io.Writer // devstack's and the functions' log
	// Edge says where the media edge listens (its SIP, health and RTP addresses).
	Edge EdgeOptions
	// WebDir holds the built console and widget (web/dist: index.html, app.js, style.css under
	// console/ and widget/), served at /console/ and /widget/ on the HTTP API's port.
	// Default: web/dist beside the template.
	WebDir string
	// HTTPClient is what Start's seeding and Call send the local HTTP API's requests with
	// (nil: http.DefaultClient). The end-to-end tests give one that checks every exchange
	// against the OpenAPI contract.
	HTTPClient *http.Client
}

// Local is the running product.
type Local struct {
	Stack    *devstack.Stack
	AdminKey string // the platform-admin key (kept in StateDir/admin-key)
	DemoKey  string // the demo tenant's admin key (kept in StateDir/demo-key)
	// AgentPassword is the demo agent's console and softphone password (kept in
	// StateDir/agent-password); the demo supervisor's is in StateDir/supervisor-password.
	AgentPassword string
	// WidgetID is the demo tenant's chat widget ("" when the platform has no widgets).
	WidgetID string
	// WebhookPorts are the loopback ports flow webhooks may call: the demo bank's first.
	WebhookPorts []uint16
	stateDir     string
	bank         *demoBank
	client       *http.Client

	mu         sync.Mutex
	bankSecret []byte

	edge     *edge.Edge
	stopEdge context.CancelFunc
	edgeDone <-chan error
}

//go:embed demo/banking.json
var demoBanking []byte

//go:embed demo/lost_card.json
var demoLostCard string

// Start brings the product up and seeds the demo tenant.
func Start(ctx context.Context, opt Options) (*Local, error) {
	if opt.Clean {
		if err := os.RemoveAll(opt.StateDir); err != nil {
			return nil, fmt.Errorf("clean %s: %w", opt.StateDir, err)
		}
	}
	// The folder holds the keys: only the user may read it, also when an older run made it 0755.
	if err := os.MkdirAll(opt.StateDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.Chmod(opt.StateDir, 0o700); err != nil {
		return nil, err
	}
	adminKey, err := secret(filepath.Join(opt.StateDir, adminKeyFile), func() (string, error) {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		return "lxadmin_" + base64.RawURLEncoding.EncodeToString(b), nil
	})
	if err != nil {
		return nil, fmt.Errorf("platform-admin key: %w", err)
	}
	l := &Local{AdminKey: adminKey, stateDir: opt.StateDir, client: opt.HTTPClient}
	if l.client == nil {
		l.client = http.DefaultClient
	}
	// The demo bank comes first: the chat function may call its port on loopback, and no other
	// one but those the user names (never the emulators or the Runtime API).
	log := slog.New(slog.NewTextHandler(opt.Log, nil)).With("component", "demo-bank")
	if l.bank, err = startDemoBank(l.secret, log); err != nil {
		return nil, err
	}
	l.WebhookPorts = append([]uint16{l.bank.Port()}, opt.WebhookPorts...)
	params := map[string]string{
		"AdminKeySha256":       auth.Hash(adminKey),
		"LoopbackWebhookPorts": egress.FormatPorts(l.WebhookPorts),
	}
	if opt.WebhookRetryBase > 0 {
		params["WebhookRetryBase"] = opt.WebhookRetryBase.String()
	}
	if opt.WebhookRetryMaxAge > 0 {
		params["WebhookRetryMaxAge"] = opt.WebhookRetryMaxAge.String()
	}
	webDir := opt.WebDir
	if webDir == "" {
		webDir = filepath.Join(filepath.Dir(opt.Template), "web", "dist")
	}
	l.Stack, err = devstack.Start(ctx, devstack.Config{
		Template:      opt.Template,
		StackName:     "lingxi",
		StateDir:      opt.StateDir,
		Parameters:    params,
		HTTPPort:      opt.HTTPPort,
		WebSocketPort: opt.WSPort,
		SQSPort:       opt.SQSPort,
		Static:        l.staticHandlers(webDir),
		Log:           opt.Log,
	})
	if err != nil {
		l.bank.Close()
		return nil, err
	}
	fresh := false
	if l.DemoKey, fresh, err = l.seedDemo(ctx, filepath.Join(opt.StateDir, demoKeyFile)); err == nil {
		err = l.seedBot(ctx, fresh)
	}
	if err == nil && !opt.Edge.Off {
		err = l.seedVoice(ctx)
	}
	if err == nil {
		err = l.seedPeople(ctx, !opt.Edge.Off)
	}
	if err == nil {
		err = l.seedWidget(ctx)
	}
	if err == nil {
		err = l.seedQueues(ctx)
	}
	if err == nil {
		err = l.seedForecasts(ctx, fresh) // forecast.go
	}
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("seed demo tenant: %w", err)
	}
	if !opt.Edge.Off {
		elog := slog.New(slog.NewTextHandler(opt.Log, nil)).With("component", "media-edge")
		if err := l.startEdge(ctx, opt.Edge, elog); err != nil {
			l.Close()
			return nil, err
		}
	}
	return l, nil
}

// Close stops everything Start started.
func (l *Local) Close() error {
	l.closeEdge()
	if l.bank != nil {
		l.bank.Close()
	}
	return l.Stack.Close()
}

func (l *Local) secret() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bankSecret
}

// The files in the state folder that hold the keys.
const (
	adminKeyFile = "admin-key"
	demoKeyFile  = "demo-key"
)

// secret reads the secret kept at path, or makes one and keeps it (mode 0600).
func secret(path string, make func() (string, error)) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(bytes.TrimSpace(b)) > 0 {
		return string(bytes.TrimSpace(b)), os.Chmod(path, 0o600)
	}
	s, err := make()
	if err != nil {
		return "", err
	}
	return s, keep(path, s)
}

// keep writes a secret to path, readable and writable by the user only.
func keep(path, secret string) error {
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return err
	}
	return os.Chmod(path, 0o600) // WriteFile keeps the mode of a file that exists
}

// seedDemo creates the demo tenant through the public API, once; later starts reuse its key.
// fresh says whether the tenant was created now.
func (l *Local) seedDemo(ctx context.Context, keyPath string) (key string, fresh bool, err error) {
	if b, err := os.ReadFile(keyPath); err == nil {
		key := string(bytes.TrimSpace(b))
		if code, _, err := l.Call(ctx, "GET", "/v1/tenant", key, nil); err == nil && code == http.StatusOK {
			return key, false, os.Chmod(keyPath, 0o600)
		}
	}
	code, body, err := l.Call(ctx, "POST", "/v1/tenants", l.AdminKey, map[string]string{"id": DemoTenant, "name": "Demo Bank 演示银行"})
	if err != nil {
		return "", false, err
	}
	if code == http.StatusConflict {
		return "", false, fmt.Errorf("tenant %q exists but its key in %s is missing or revoked; run with -clean", DemoTenant, keyPath)
	}
	if code != http.StatusCreated {
		return "", false, fmt.Errorf("create tenant: HTTP %d: %s", code, body)
	}
	var created struct {
		APIKey struct {
			Key string `json:"key"`
		} `json:"api_key"`
	}
	if err := json.Unmarshal(body, &created); err != nil || created.APIKey.Key == "" {
		return "", false, fmt.Errorf("create tenant: unexpected answer %s", body)
	}
	return created.APIKey.Key, true, keep(keyPath, created.APIKey.Key)
}

// seedBot gives the demo tenant its bot, through the same admin API a tenant uses. Every start
// rotates the webhook secret (the demo bank learns it) and points the lost-card flow at this run's
// demo bank; the first start also imports the bilingual banking FAQ and intents and trains.
func (l *Local) seedBot(ctx context.Context, fresh bool) error {
	code, body, err := l.Call(ctx, "POST", "/v1/bot/webhook-secret", l.DemoKey, map[string]string{})
	if err != nil || code != http.StatusOK && code != http.StatusCreated {
		return fmt.Errorf("rotate webhook secret: %d %s %v", code, body, err)
	}
	var sec struct {
		Secret string `json:"webhook_secret"`
	}
	if err := json.Unmarshal(body, &sec); err != nil || sec.Secret == "" {
		return fmt.Errorf("rotate webhook secret: unexpected answer %s", body)
	}
	l.mu.Lock()
	l.bankSecret = []byte(sec.Secret)
	l.mu.Unlock()

	settings := map[string]any{
		"greeting": map[string]string{
			"en": "Hello, I'm the Demo Bank assistant. How can I help?",
			"zh": "您好，我是演示银行智能助手，请问有什么可以帮您？",
		},
		"default_queue":        "general",
		"low_confidence_turns": 2,
		"webhook_hosts":        []string{"127.0.0.1"},
		"handoff_rules":        []map[string]any{{"attribute": "tier", "values": []string{"vip"}, "queue": "vip"}},
	}
	type step struct {
		method, path string
		body         any
	}
	// The keypad menu names intents, which a fresh tenant gets from the import: the settings are
	// saved again with it once they exist.
	withMenu := map[string]any{"voice_menu": []map[string]any{{"digit": "1", "intent": "lost_card",
		"label": map[string]string{"en": "a lost or stolen card", "zh": "银行卡挂失"}}}}
	for k, v := range settings {
		withMenu[k] = v
	}
	steps := []step{
		{"PUT", "/v1/bot/settings", settings},
		{"PUT", "/v1/flows/lost_card", json.RawMessage(strings.ReplaceAll(demoLostCard, "{{BANK}}", l.bank.URL()))},
	}
	if fresh {
		steps = append(steps, step{"POST", "/v1/import", json.RawMessage(demoBanking)})
	}
	steps = append(steps, step{"PUT", "/v1/bot/settings", withMenu})
	for _, st := range steps {
		code, body, err := l.Call(ctx, st.method, st.path, l.DemoKey, st.body)
		if err != nil || code >= 300 {
			return fmt.Errorf("%s %s: %d %s %v", st.method, st.path, code, body, err)
		}
	}
	if !fresh {
		return nil
	}
	// Training is a job: queue it and wait for the train function. The tenant's first model is
	// activated when it is trained.
	job, err := l.Train(ctx, l.DemoKey, false)
	if err != nil {
		return err
	}
	if job.State != "succeeded" {
		return fmt.Errorf("train the demo bot: job %s %s: %s", job.ID, job.State, job.Error)
	}
	return nil
}

// Job is a training job as GET /v1/nlu/jobs/{id} shows it.
type Job struct {
	ID           string          `json:"id"`
	State        string          `json:"state"`
	ModelVersion string          `json:"model_version"`
	Activated    bool            `json:"activated"`
	Error        json.RawMessage `json:"error"`
}

// Train queues a training for the tenant of key (POST /v1/nlu/train, activating the model when
// activate is set) and follows the job until it has finished or ctx ends.
func (l *Local) Train(ctx context.Context, key string, activate bool) (Job, error) {
	code, body, err := l.Call(ctx, "POST", "/v1/nlu/train", key, map[string]bool{"activate": activate})
	if err != nil || code != http.StatusAccepted {
		return Job{}, fmt.Errorf("POST /v1/nlu/train: %d %s %v", code, body, err)
	}
	var job Job
	if err := json.Unmarshal(body, &job); err != nil || job.ID == "" {
		return Job{}, fmt.Errorf("POST /v1/nlu/train: unexpected answer %s", body)
	}
	return l.WaitJob(ctx, key, job.ID)
}

// WaitJob polls a training job until it has succeeded or failed, or ctx ends.
func (l *Local) WaitJob(ctx context.Context, key, id string) (Job, error) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		code, body, err := l.Call(ctx, "GET", "/v1/nlu/jobs/"+id, key, nil)
		if err != nil || code != http.StatusOK {
			return Job{}, fmt.Errorf("GET /v1/nlu/jobs/%s: %d %s %v", id, code, body, err)
		}
		var job Job
		if err := json.Unmarshal(body, &job); err != nil {
			return Job{}, fmt.Errorf("GET /v1/nlu/jobs/%s: unexpected answer %s", id, body)
		}
		if job.State == "succeeded" || job.State == "failed" {
			return job, nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return job, fmt.Errorf("training job %s still %s: %w", id, job.State, ctx.Err())
		}
	}
}

// Call sends one JSON request to the local HTTP API and returns the status and body.
func (l *Local) Call(ctx context.Context, method, path, key string, body any) (int, []byte, error) {
	if body == nil {
		return l.callRaw(ctx, method, path, key, "", nil)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	return l.callRaw(ctx, method, path, key, "application/json", b)
}

// Banner is what `make run` prints once the product is up: where things listen and where the
// keys are kept, with curl lines that read them from there. It never holds a key.
func (l *Local) Banner() string {
	info := bannerInfo{
		HTTPURL:      l.Stack.HTTPURL(),
		SQSURL:       l.Stack.SQSURL(),
		StateDir:     l.stateDir,
		WebhookPorts: l.WebhookPorts,
		Phone:        l.EdgeAddr(),
		ConsoleURL:   l.ConsoleURL(),
		WidgetURL:    l.WidgetURL(),
	}
	for _, api := range l.Stack.WebSocketAPIs() {
		info.WebSockets = append(info.WebSockets, [2]string{api, l.Stack.WebSocketURL(api)})
	}
	return banner(info)
}

// bannerInfo is everything the banner shows. It has no field for a key, so no key can reach the
// screen through it.
type bannerInfo struct {
	HTTPURL      string
	WebSockets   [][2]string // name, URL
	SQSURL       string
	StateDir     string // where admin-key and demo-key are kept
	WebhookPorts []uint16
	Phone        netip.AddrPort // the media edge's SIP address; zero when it is off
	ConsoleURL   string         // the console, naming the demo tenant
	WidgetURL    string         // the demo tenant's chat widget; "" when there is none
}

func banner(in bannerInfo) string {
	var b strings.Builder
	url := in.HTTPURL
	demoKey := shellQuote(filepath.Join(in.StateDir, demoKeyFile))
	adminKey := shellQuote(filepath.Join(in.StateDir, adminKeyFile))
	fmt.Fprintf(&b, "\nLingxi is running.\n\n")
	fmt.Fprintf(&b, "  HTTP API          %s\n", url)
	for _, api := range in.WebSockets {
		fmt.Fprintf(&b, "  WebSocket API     %s (%s)\n", api[1], api[0])
	}
	fmt.Fprintf(&b, "  SQS (failures)    %s\n", in.SQSURL)
	fmt.Fprintf(&b, "  demo tenant       %s\n", DemoTenant)
	fmt.Fprintf(&b, "  demo admin key    in %s\n", demoKey)
	fmt.Fprintf(&b, "  platform admin    in %s\n", adminKey)
	fmt.Fprintf(&b, "                    (the folder is readable only by you; keep the keys off screens and logs)\n")
	if in.ConsoleURL != "" {
		fmt.Fprintf(&b, "  console           %s\n", in.ConsoleURL)
		fmt.Fprintf(&b, "                    agent: sign in as %s, password in %s\n", DemoAgent, shellQuote(filepath.Join(in.StateDir, agentPasswordFile)))
		fmt.Fprintf(&b, "                    supervisor: sign in as %s, password in %s\n", DemoSupervisor, shellQuote(filepath.Join(in.StateDir, supervisorPasswordFile)))
	}
	if in.WidgetURL != "" {
		fmt.Fprintf(&b, "  chat widget       %s\n", in.WidgetURL)
	}
	ports := "port " + egress.FormatPorts(in.WebhookPorts) + ", the demo bank's"
	if len(in.WebhookPorts) > 1 {
		ports = "ports " + strings.ReplaceAll(egress.FormatPorts(in.WebhookPorts), ",", ", ") + " (the demo bank's first)"
	}
	fmt.Fprintf(&b, "  flow webhooks may call loopback only on %s;\n"+
		"                    name more with make run WEBHOOK_PORTS=…\n\n", ports)
	fmt.Fprintf(&b, "Try:\n  curl -s -H \"Authorization: Bearer $(cat %s)\" %s/v1/tenant\n", demoKey, url)
	fmt.Fprintf(&b, "  curl -s -H \"Authorization: Bearer $(cat %s)\" -H 'Content-Type: application/json' \\\n"+
		"       -d '{\"customer\":{\"id\":\"c-1\"}}' %s/v1/conversations\n", demoKey, url)
	fmt.Fprintf(&b, "  then POST {\"text\":\"我的银行卡丢了\"} or {\"text\":\"I lost my card\"} to %s/v1/conversations/<id>/messages\n", url)
	fmt.Fprintf(&b, "  (demo cards: 1234 — born 1990-05-01, phone 13800138000; 5678 — born 1985-12-24, phone +1 415 555 0100)\n")
	fmt.Fprintf(&b, "  forecasts (docs/forecasting.md): curl -s -H \"Authorization: Bearer $(cat %s)\" '%s/v1/forecasts?product=scheduling'\n", demoKey, url)
	fmt.Fprintf(&b, "  staffing: curl -s -H \"Authorization: Bearer $(cat %s)\" '%s/v1/staffing?forecast=<id>&sl=80/20'\n", demoKey, url)
	fmt.Fprintf(&b, "  platform admin: curl -s -H \"Authorization: Bearer $(cat %s)\" -H 'Content-Type: application/json' \\\n"+
		"       -d '{\"id\":\"acme\",\"name\":\"Acme\"}' %s/v1/tenants\n\n", adminKey, url)
	if in.Phone.IsValid() {
		sipURI := "sip:" + DemoNumber + "@" + in.Phone.String()
		fmt.Fprintf(&b, "Call the demo bank (SIP over UDP or TCP on %s, from this machine):\n", in.Phone)
		fmt.Fprintf(&b, "  a softphone: dial %s (say \"a lost or stolen card\" in English, or press 1; then key the card's last four digits)\n", sipURI)
		fmt.Fprintf(&b, "  baresip -n 127.0.0.1 -e '/dial %s'\n", sipURI)
		fmt.Fprintf(&b, "  sipp -sn uac -s %s -m 1 -i 127.0.0.1 -mi 127.0.0.1 %s   (a call that answers and hangs up)\n", strings.TrimPrefix(DemoNumber, "+"), in.Phone)
		fmt.Fprintf(&b, "  agent softphone: register %s@%s, password in %s; transfers ring it\n",
			DemoAgent, in.Phone, shellQuote(filepath.Join(in.StateDir, agentPasswordFile)))
		fmt.Fprintf(&b, "  (there is no local Chinese recogniser: Chinese callers key their answers; English callers may speak)\n\n")
	}
	fmt.Fprintf(&b, "Ctrl-C stops everything; data and keys stay in %s (make run CLEAN=1 starts afresh).\n", shellQuote(in.StateDir))
	return b.String()
}

// shellQuote returns s as one shell word: as it is when it holds only safe characters, else in
// single quotes (which also work inside "$(…)").
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./+:@%,=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
