// Package tenantmodel retrains the sentiment model per tenant from the tenant's own surveys
// (docs/sentiment.md): a contact's CSAT labels the customer's messages of that contact
// (sentiment.LabelFromCSAT), and once a tenant has enough labelled contacts, and new labels since
// its last training, sentiment.TrainTenant trains a model on the seed corpus merged with them.
//
// A Book is all of it, for the feedback function:
//
//   - Event (a part of the function): keeps each contact's customer messages (chat.message of role
//     customer, call.utterance) in one item per contact (KindText, kept TextTTL); the contact's
//     first CSAT (feedback.submitted) moves the item to KindLabelled with the CSAT and counts one
//     new label in the tenant's state item (KindState). Its own record rather than the inspector's transcript: the
//     inspector's live transcript expires soon after the contact ends, and a survey may come later;
//   - Retrain (the {"job":"sentiment"} schedule): trains a due tenant and stores the model's bytes
//     in S3 (MarshalBinary, about 220 KB for the seed alone and growing with the tenant's words: more
//     than a table item may hold), at models/<tenant>/sentiment/<n>.bin, n counting the trainings;
//     the state item then points at n;
//   - For, PredictFor and Predict: the model of a tenant (its own once trained, else
//     sentiment.Default()), read again at most every CacheFor; the counting part and the inspector
//     ask PredictFor when their Sentiment has it.
package tenantmodel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/sentiment"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Store kinds.
const (
	// KindText is an unlabelled contact's customer messages; the id is the contact id.
	KindText = "sentitext"
	// KindLabelled is a labelled contact's messages and CSAT: the first CSAT moves the contact's
	// KindText item here, so that the training reads labelled contacts only.
	KindLabelled = "sentilabel"
	// KindState is a tenant's labels and trainings (id StateID): counters only.
	KindState = "sentistate"
	// StateID is the id of the tenant's state item.
	StateID = "state"
)

// Limits and defaults.
const (
	// MinContacts is how many labelled contacts with messages a tenant needs before its first
	// training (Config.MinContacts overrides it).
	MinContacts = 20
	// MaxTexts and MaxTextBytes bound what is kept of one contact; later messages are not kept.
	MaxTexts     = 40
	MaxTextBytes = 8 << 10
	// TextTTL is how long a contact's messages are kept: the training reads the labelled contacts of
	// about the last 90 days.
	TextTTL = 90 * 24 * time.Hour
	// MaxContacts bounds one training's read of labelled contacts.
	MaxContacts = 5000
	// CacheFor is how long a Book keeps a tenant's model before it looks for a newer one.
	CacheFor = 5 * time.Minute
	// MaxCached is how many tenants a Book holds before it drops those not read within CacheFor.
	MaxCached = 256
	// MaxModelBytes bounds a stored model.
	MaxModelBytes = 64 << 20
)

// S3 is the part of the S3 client a Book uses; *s3.Client is one.
type S3 interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

var _ S3 = (*s3.Client)(nil)

// Config wires a Book.
type Config struct {
	DB          *store.Store
	S3          S3
	Bucket      string
	MinContacts int               // 0: MinContacts
	CacheFor    time.Duration     // 0: CacheFor
	Options     sentiment.Options // the training's; zero: TrainTenant's defaults
	Default     *sentiment.Model  // nil: sentiment.Default()
	Log         *slog.Logger      // nil: slog.Default()
	Now         func() time.Time  // nil: time.Now
}

// Book keeps the labels, trains the tenants' models and serves them.
type Book struct {
	cfg Config

	mu    sync.Mutex
	cache map[tenant.ID]cached
}

type cached struct {
	model   *sentiment.Model
	version int64 // the training it is; 0 the default
	checked time.Time
}

// New returns a Book.
func New(cfg Config) *Book {
	if cfg.MinContacts <= 0 {
		cfg.MinContacts = MinContacts
	}
	if cfg.CacheFor <= 0 {
		cfg.CacheFor = CacheFor
	}
	if cfg.Default == nil {
		cfg.Default = sentiment.Default()
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Book{cfg: cfg, cache: map[tenant.ID]cached{}}
}

// text is a contact's item.
type text struct {
	Texts   []string `dynamodbav:"texts,omitempty"`
	Applied []string `dynamodbav:"applied,omitempty"` // ids of the events whose text was kept
	Bytes   int      `dynamodbav:"bytes,omitempty"`
	CSAT    int      `dynamodbav:"csat,omitempty"`
}

// State is a tenant's labels and trainings.
type State struct {
	Labelled int64 `dynamodbav:"labelled" json:"labelled"` // contacts that got a CSAT
	Trained  int64 `dynamodbav:"trained" json:"trained"`   // Labelled at the last training
	Model    int64 `dynamodbav:"model" json:"model"`       // trainings so far; the model's object number
}

func stateKey() store.Key { return store.Key{Kind: KindState, ID: StateID} }

// ObjectKey is where tenant t's n-th model is kept in the bucket.
func ObjectKey(t tenant.ID, n int64) string {
	return "models/" + t.String() + "/sentiment/" + strconv.FormatInt(n, 10) + ".bin"
}

// State reads tenant t's state; the zero State when it has none.
func (b *Book) State(ctx context.Context, t tenant.ID) (State, error) {
	var s State
	_, err := b.cfg.DB.Get(ctx, t, stateKey(), &s)
	if errors.Is(err, store.ErrNotFound) {
		return State{}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("read sentiment state: %w", err)
	}
	return s, nil
}

// Event keeps a customer message of a contact, or the contact's CSAT; other events are ignored.
// A replayed event changes nothing.
func (b *Book) Event(ctx context.Context, env events.Envelope) error {
	t, err := env.TenantID()
	if err != nil {
		return err
	}
	switch env.Type {
	case events.TypeChatMessage:
		p, err := events.DataAs[events.ChatMessage](env)
		if err != nil {
			return err
		}
		// A call's customer turns come as call.utterance under the call's id, which its survey
		// answer names; the voice bot's chat.message copies would never be labelled.
		if p.Role != events.RoleCustomer || p.Channel == events.ChannelVoice {
			return nil
		}
		return b.keep(ctx, t, env, p.Text)
	case events.TypeCallUtterance:
		p, err := events.DataAs[events.CallUtterance](env)
		if err != nil {
			return err
		}
		return b.keep(ctx, t, env, p.Text)
	case events.TypeFeedbackSubmitted:
		p, err := events.DataAs[events.FeedbackSubmitted](env)
		if err != nil {
			return err
		}
		if p.CSAT == nil {
			return nil
		}
		if _, ok := sentiment.LabelFromCSAT(*p.CSAT); !ok {
			return nil
		}
		return b.label(ctx, t, env.Subject, *p.CSAT)
	}
	return nil
}

// worthKeeping: a message with a letter in it; the survey's own answers ("4") are not the
// customer's words about the contact.
func worthKeeping(s string) bool {
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}

func (b *Book) keep(ctx context.Context, t tenant.ID, env events.Envelope, msg string) error {
	msg = strings.TrimSpace(msg)
	if env.Subject == "" || !worthKeeping(msg) {
		return nil
	}
	return b.update(ctx, t, env.Subject, func(x *text) (bool, bool) {
		if len(x.Texts) >= MaxTexts || x.Bytes+len(msg) > MaxTextBytes {
			return false, false
		}
		for _, id := range x.Applied {
			if id == env.ID {
				return false, false
			}
		}
		x.Texts, x.Applied, x.Bytes = append(x.Texts, msg), append(x.Applied, env.ID), x.Bytes+len(msg)
		return true, false
	})
}

func (b *Book) label(ctx context.Context, t tenant.ID, contactID string, csat int) error {
	if contactID == "" {
		return nil
	}
	return b.update(ctx, t, contactID, func(x *text) (bool, bool) {
		if x.CSAT != 0 {
			return false, false // a contact is labelled once: its survey is answered once
		}
		x.CSAT = csat
		return true, true
	})
}

// update applies fn to the contact's item: its KindText item, or its KindLabelled one once
// labelled (fn's newLabel moves it there and counts a label in the tenant's state).
func (b *Book) update(ctx context.Context, t tenant.ID, contactID string, fn func(*text) (changed, newLabel bool)) error {
	tk, lk := store.Key{Kind: KindText, ID: contactID}, store.Key{Kind: KindLabelled, ID: contactID}
	for attempt := 0; ; attempt++ {
		ops, err := b.change(ctx, t, tk, lk, fn)
		if err != nil || len(ops) == 0 {
			return err
		}
		err = b.cfg.DB.Tx(ctx, ops...)
		if err == nil {
			return nil
		}
		if !errors.Is(err, store.ErrConflict) || attempt >= 8 {
			return fmt.Errorf("keep messages of %s: %w", contactID, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// change reads the contact's item and returns the writes fn asks for (none: nothing changed).
func (b *Book) change(ctx context.Context, t tenant.ID, tk, lk store.Key, fn func(*text) (bool, bool)) ([]store.Op, error) {
	ttl := store.WithTTL(b.cfg.Now().Add(TextTTL))
	var x text
	ver, err := b.cfg.DB.Get(ctx, t, tk, &x)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("read messages of %s: %w", tk.ID, err)
	}
	if ver == 0 {
		// No unlabelled item: the contact is new, or labelled already.
		var y text
		lver, err := b.cfg.DB.Get(ctx, t, lk, &y)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("read labelled messages of %s: %w", lk.ID, err)
		}
		if lver > 0 {
			if changed, _ := fn(&y); !changed {
				return nil, nil
			}
			return []store.Op{store.PutOp(t, lk, y, lver, ttl)}, nil
		}
	}
	changed, newLabel := fn(&x)
	switch {
	case !changed:
		return nil, nil
	case newLabel:
		ops := []store.Op{store.CreateOp(t, lk, x, ttl), store.IncrOp(t, stateKey(), map[string]int64{"labelled": 1, "trained": 0, "model": 0})}
		if ver > 0 {
			ops = append(ops, store.DeleteOp(t, tk, ver))
		}
		return ops, nil
	case ver == 0:
		return []store.Op{store.CreateOp(t, tk, x, ttl)}, nil
	}
	return []store.Op{store.PutOp(t, tk, x, ver, ttl)}, nil
}

// Labelled reads tenant t's labelled contacts as examples: each customer message of a contact
// with a CSAT, labelled by sentiment.LabelFromCSAT. contacts is how many contacts gave examples.
func (b *Book) Labelled(ctx context.Context, t tenant.ID) (ex []sentiment.Example, contacts int, err error) {
	items, _, err := store.QueryAll[text](ctx, b.cfg.DB, t, KindLabelled, "", MaxContacts)
	if err != nil {
		return nil, 0, fmt.Errorf("read labelled messages: %w", err)
	}
	for _, x := range items {
		l, ok := sentiment.LabelFromCSAT(x.CSAT)
		if !ok || len(x.Texts) == 0 {
			continue
		}
		contacts++
		for _, s := range x.Texts {
			ex = append(ex, sentiment.Example{Text: s, Label: l})
		}
	}
	return ex, contacts, nil
}

// Retrain trains tenant t's model when it is due: at least MinContacts labelled contacts with
// messages, and labels counted since the last training. It stores the model, then points the
// state at it (the old object is deleted). trained is false when nothing was due.
func (b *Book) Retrain(ctx context.Context, t tenant.ID) (trained bool, err error) {
	st, err := b.State(ctx, t)
	if err != nil {
		return false, err
	}
	if st.Labelled < int64(b.cfg.MinContacts) || st.Labelled == st.Trained {
		return false, nil
	}
	ex, contacts, err := b.Labelled(ctx, t)
	if err != nil {
		return false, err
	}
	if contacts < b.cfg.MinContacts {
		return false, nil
	}
	m, err := sentiment.TrainTenant(ctx, nil, ex, b.cfg.Options)
	if err != nil {
		return false, fmt.Errorf("train: %w", err)
	}
	data, err := m.MarshalBinary()
	if err != nil {
		return false, err
	}
	n := st.Model + 1
	key := ObjectKey(t, n)
	if _, err := b.cfg.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &b.cfg.Bucket, Key: &key, Body: bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))), ContentType: aws.String("application/octet-stream"),
	}); err != nil {
		return false, fmt.Errorf("put model %s: %w", key, err)
	}
	// Only one training moves the state to n: a concurrent one fails here, its object replaced.
	err = b.cfg.DB.Tx(ctx, store.AddOp(t, stateKey(), map[string]int64{"trained": st.Labelled - st.Trained, "model": 1}, store.AtMost("model", n)))
	if err != nil {
		return false, fmt.Errorf("record training %d: %w", n, err)
	}
	if st.Model > 0 {
		old := ObjectKey(t, st.Model)
		if _, err := b.cfg.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.cfg.Bucket, Key: &old}); err != nil {
			b.cfg.Log.WarnContext(ctx, "sentiment: delete the previous model", "key", old, "err", err)
		}
	}
	b.cfg.Log.InfoContext(ctx, "sentiment: tenant model trained", "tenant", t, "model", n, "contacts", contacts, "messages", len(ex), "bytes", len(data))
	return true, nil
}

// For returns tenant t's model: its own once trained, else the default. The state is read again
// at most every CacheFor; a model that cannot be read is logged and the one held (or the default)
// serves.
func (b *Book) For(ctx context.Context, t tenant.ID) *sentiment.Model {
	now := b.cfg.Now()
	b.mu.Lock()
	c, ok := b.cache[t]
	b.mu.Unlock()
	if ok && now.Sub(c.checked) < b.cfg.CacheFor {
		return c.model
	}
	if !ok {
		c = cached{model: b.cfg.Default}
	}
	c.checked = now
	st, err := b.State(ctx, t)
	switch {
	case err != nil:
		b.cfg.Log.WarnContext(ctx, "sentiment: read the tenant's model", "tenant", t, "err", err)
	case st.Model != c.version:
		m, err := b.load(ctx, t, st.Model)
		if err != nil {
			b.cfg.Log.WarnContext(ctx, "sentiment: read the tenant's model", "tenant", t, "model", st.Model, "err", err)
			break
		}
		c.model, c.version = m, st.Model
	}
	b.mu.Lock()
	if len(b.cache) >= MaxCached {
		// Tenants not read within CacheFor would be read again anyway: their models go.
		for k, v := range b.cache {
			if now.Sub(v.checked) >= b.cfg.CacheFor {
				delete(b.cache, k)
			}
		}
		// Still full (more tenants read within CacheFor): the one checked longest ago goes.
		if len(b.cache) >= MaxCached {
			var oldest tenant.ID
			var at time.Time
			for k, v := range b.cache {
				if at.IsZero() || v.checked.Before(at) {
					oldest, at = k, v.checked
				}
			}
			delete(b.cache, oldest)
		}
	}
	b.cache[t] = c
	b.mu.Unlock()
	return c.model
}

func (b *Book) load(ctx context.Context, t tenant.ID, n int64) (*sentiment.Model, error) {
	if n == 0 {
		return b.cfg.Default, nil
	}
	key := ObjectKey(t, n)
	out, err := b.cfg.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.cfg.Bucket, Key: &key})
	if err != nil {
		var nk *s3types.NoSuchKey
		if errors.As(err, &nk) {
			return nil, fmt.Errorf("model %s is missing", key)
		}
		return nil, fmt.Errorf("get model %s: %w", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, MaxModelBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read model %s: %w", key, err)
	}
	if len(data) > MaxModelBytes {
		return nil, fmt.Errorf("model %s is over %d bytes", key, MaxModelBytes)
	}
	m := new(sentiment.Model)
	if err := m.UnmarshalBinary(data); err != nil {
		return nil, fmt.Errorf("model %s: %w", key, err)
	}
	return m, nil
}

// PredictFor labels text with tenant t's model: the label and the polarity in [-1, 1].
func (b *Book) PredictFor(ctx context.Context, t tenant.ID, msg string) (string, float64) {
	r := b.For(ctx, t).Predict(msg)
	return string(r.Label), r.Score
}

// Predict labels text with the default model (for callers that know no tenant).
func (b *Book) Predict(msg string) (string, float64) {
	r := b.cfg.Default.Predict(msg)
	return string(r.Label), r.Score
}
