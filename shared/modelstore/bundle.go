// Package modelstore makes and keeps tenants' trained NLU bundles. A Bundle is what the bot needs
// to understand a message: the intent classifier and the knowledge-base index (shared/nlu), trained
// together by Build from the tenant's intents and articles, serialised as one S3 object per version
// at botconfig.ModelKey(tenant, version) and read back whole by Store.Get. The table records the
// versions (botconfig.Model) and which one is active; this package holds only the bytes.
package modelstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/nlu"
)

// Format names the layout of marshalled bundles; Unmarshal refuses others with ErrFormat. The
// classifier and index inside carry their own nlu.FormatVersion.
const Format = "lingxi-bundle/1"

// Errors; match them with errors.Is.
var (
	// ErrNotFound: no bundle of that tenant and version.
	ErrNotFound = errors.New("modelstore: model not found")
	// ErrFormat: bytes written by an incompatible version of this package or of nlu.
	ErrFormat = errors.New("modelstore: unsupported bundle format")
	// ErrCorrupt: bytes that are not a whole bundle, or a bundle that is not the one asked for.
	ErrCorrupt = errors.New("modelstore: corrupt bundle")
)

// Bundle is one trained model version of a tenant.
type Bundle struct {
	// Tenant and Version say whose bundle this is; Get checks both against what it was asked for.
	Tenant  string
	Version string
	// CreatedAt is when training started.
	CreatedAt time.Time
	// Model classifies intents; Index retrieves articles by their question variants (it may be
	// empty, never nil).
	Model *nlu.Model
	Index *nlu.Index
}

// Engine returns an nlu engine over the bundle's classifier and index.
func (b *Bundle) Engine() *nlu.Engine { return &nlu.Engine{Model: b.Model, Index: b.Index} }

// bundleFile is the serialised form of a Bundle.
type bundleFile struct {
	Format    string
	Tenant    string
	Version   string
	CreatedAt time.Time
	Model     []byte // nlu.Model.Marshal
	Index     []byte // nlu.Index.Marshal
	Digest    []byte // SHA-256 of the fields above
}

func (f *bundleFile) digest() []byte {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(f.Format), []byte(f.Tenant), []byte(f.Version),
		[]byte(f.CreatedAt.UTC().Format(time.RFC3339Nano)), f.Model, f.Index} {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	return h.Sum(nil)
}

// Marshal serialises the bundle.
func (b *Bundle) Marshal() ([]byte, error) {
	if b.Model == nil || b.Index == nil {
		return nil, errors.New("modelstore: marshal a bundle without a model or an index")
	}
	if !botconfig.ValidModelVersion(b.Version) {
		return nil, fmt.Errorf("modelstore: marshal bundle: bad version %q", b.Version)
	}
	m, err := b.Model.Marshal()
	if err != nil {
		return nil, err
	}
	x, err := b.Index.Marshal()
	if err != nil {
		return nil, err
	}
	f := bundleFile{Format: Format, Tenant: b.Tenant, Version: b.Version, CreatedAt: b.CreatedAt.UTC(), Model: m, Index: x}
	f.Digest = f.digest()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&f); err != nil {
		return nil, fmt.Errorf("modelstore: marshal bundle: %w", err)
	}
	return buf.Bytes(), nil
}

// Unmarshal loads a bundle written by Marshal.
func Unmarshal(data []byte) (*Bundle, error) {
	var f bundleFile
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if f.Format != Format {
		return nil, fmt.Errorf("%w: %q, want %q", ErrFormat, f.Format, Format)
	}
	if !bytes.Equal(f.digest(), f.Digest) {
		return nil, fmt.Errorf("%w: digest mismatch", ErrCorrupt)
	}
	m, err := nlu.Unmarshal(f.Model)
	if err != nil {
		return nil, wrapNLU(err)
	}
	x, err := nlu.UnmarshalIndex(f.Index)
	if err != nil {
		return nil, wrapNLU(err)
	}
	return &Bundle{Tenant: f.Tenant, Version: f.Version, CreatedAt: f.CreatedAt, Model: m, Index: x}, nil
}

func wrapNLU(err error) error {
	if errors.Is(err, nlu.ErrFormat) {
		return fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}
