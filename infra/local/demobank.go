package local

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/lingxi/lingxi/shared/dialog"
)

// demoCustomer is a card holder of the demo bank.
type demoCustomer struct {
	Name  string
	DOB   string // as the dialog engine normalises dates: 2006-01-02
	Phone string // E.164
}

// demoCards are the demo bank's cards, by last four digits. The README lists them.
var demoCards = map[string]demoCustomer{
	"1234": {Name: "Li Lei 李雷", DOB: "1990-05-01", Phone: "+8613800138000"},
	"5678": {Name: "Alice Chen", DOB: "1985-12-24", Phone: "+14155550100"},
}

// demoBank is the demo tenant's own system: the webhooks its lost-card flow calls. It checks
// every request's Lingxi signature, as a tenant's system should.
type demoBank struct {
	secret func() []byte // the tenant's current webhook secret
	log    *slog.Logger
	srv    *http.Server
	ln     net.Listener
	wg     sync.WaitGroup

	mu     sync.Mutex
	locked map[string]string // card → reference
	seq    int
}

func startDemoBank(secret func() []byte, log *slog.Logger) (*demoBank, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo bank: %w", err)
	}
	b := &demoBank{secret: secret, log: log, ln: ln, locked: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /lingxi/verify-identity", b.signed(b.verify))
	mux.HandleFunc("POST /lingxi/lock-card", b.signed(b.lock))
	b.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	b.wg.Go(func() {
		if err := b.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("demo bank stopped", "err", err)
		}
	})
	return b, nil
}

// URL is the base URL of the bank's webhooks.
func (b *demoBank) URL() string { return "http://" + b.ln.Addr().String() }

// Port is the loopback port the bank listens on.
func (b *demoBank) Port() uint16 { return uint16(b.ln.Addr().(*net.TCPAddr).Port) }

func (b *demoBank) Close() error {
	err := b.srv.Close()
	b.wg.Wait()
	return err
}

// signed checks the Lingxi signature before the handler sees the payload.
func (b *demoBank) signed(h func(dialog.WebhookPayload) (int, any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		err = dialog.VerifySignature(b.secret(), r.Header.Get(dialog.HeaderTimestamp), body,
			r.Header.Get(dialog.HeaderSignature), time.Now(), 5*time.Minute)
		if err != nil {
			b.log.Warn("demo bank: rejected an unsigned or badly signed call", "err", err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p dialog.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		code, out := h(p)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(out)
	}
}

func (b *demoBank) verify(p dialog.WebhookPayload) (int, any) {
	c, ok := demoCards[p.Slots["card_last4"]]
	verified := ok && ((p.Slots["dob"] != "" && p.Slots["dob"] == c.DOB) || (p.Slots["phone"] != "" && p.Slots["phone"] == c.Phone))
	if !verified {
		return http.StatusOK, map[string]any{"verified": false}
	}
	return http.StatusOK, map[string]any{"verified": true, "name": c.Name}
}

func (b *demoBank) lock(p dialog.WebhookPayload) (int, any) {
	card := p.Slots["card_last4"]
	if _, ok := demoCards[card]; !ok {
		return http.StatusNotFound, map[string]any{"error": "no such card"}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	ref, ok := b.locked[card]
	if !ok {
		b.seq++
		ref = fmt.Sprintf("LK%s%04d", time.Now().Format("0102"), b.seq)
		b.locked[card] = ref
	}
	return http.StatusOK, map[string]any{"reference": ref}
}
