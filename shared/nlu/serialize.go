package nlu

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"math"
)

// FormatVersion names the layout of marshalled models. Unmarshal refuses
// other formats with ErrFormat.
const FormatVersion = "lingxi-nlu/1"

// modelFile is the serialised form of a Model.
type modelFile struct {
	Format    string
	Version   string
	Features  FeatureConfig
	Hashes    []byte // little-endian uint64 per feature column
	IDF       []byte // little-endian float32 per column
	Intents   []string
	OOS       int
	Weights   []byte // little-endian float16, feature-major
	Beta      float64
	Threshold float64
	// The optional network: hidden units (0 = none), weight of its
	// log-probabilities, little-endian float16 layers.
	NetHidden   int
	NetWeight   float32
	NetW1       []byte
	NetB1       []byte
	NetW2       []byte
	NetB2       []byte
	Options     Options
	Validation  *Report
	Fingerprint string // digest of the fields above, checked on load
}

func (m *Model) file() modelFile {
	f := modelFile{
		Format: FormatVersion, Version: m.version, Features: m.vec.cfg,
		Hashes: u64Bytes(m.vec.hash), IDF: f32Bytes(m.vec.idf), Intents: m.intents, OOS: m.oos,
		Weights: halfBytes(m.weights), Beta: m.beta, Threshold: m.threshold,
		Options: m.opts, Validation: m.valid,
	}
	if m.net != nil {
		f.NetHidden, f.NetWeight = m.net.Hidden, m.netWeight
		f.NetW1, f.NetB1 = halfBytes(m.net.W1), halfBytes(m.net.B1)
		f.NetW2, f.NetB2 = halfBytes(m.net.W2), halfBytes(m.net.B2)
	}
	return f
}

// digest hashes what determines the model's behaviour.
func (f *modelFile) digest() string {
	h := sha256.New()
	var b [8]byte
	putU := func(v uint64) { binary.LittleEndian.PutUint64(b[:], v); h.Write(b[:]) }
	putF := func(v float64) { putU(math.Float64bits(v)) }
	putS := func(s string) { putU(uint64(len(s))); h.Write([]byte(s)) }
	fc := f.Features
	putS(fmt.Sprintf("%v/%d/%d/%d/%v/%d", fc.WordBigrams, fc.CharMin, fc.CharMax, fc.CJKMax, fc.CharWeight, fc.SkipWindow))
	putU(uint64(len(f.Hashes)))
	h.Write(f.Hashes)
	putU(uint64(len(f.IDF)))
	h.Write(f.IDF)
	putU(uint64(len(f.Intents)))
	for _, s := range f.Intents {
		putS(s)
	}
	putU(uint64(int64(f.OOS)))
	putU(uint64(len(f.Weights)))
	h.Write(f.Weights)
	putF(f.Beta)
	putF(f.Threshold)
	putU(uint64(f.NetHidden))
	putU(uint64(math.Float32bits(f.NetWeight)))
	for _, b := range [][]byte{f.NetW1, f.NetB1, f.NetW2, f.NetB2} {
		putU(uint64(len(b)))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (m *Model) contentVersion() string {
	f := m.file()
	return FormatVersion + "+" + f.digest()[:16]
}

// Marshal serialises the model.
func (m *Model) Marshal() ([]byte, error) {
	f := m.file()
	f.Fingerprint = f.digest()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&f); err != nil {
		return nil, fmt.Errorf("marshal nlu model: %w", err)
	}
	return buf.Bytes(), nil
}

// Unmarshal loads a model written by Marshal.
func Unmarshal(data []byte) (*Model, error) {
	var f modelFile
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %w", errBadModel, err)
	}
	if f.Format != FormatVersion {
		return nil, fmt.Errorf("%w: %q, want %q", errFormat, f.Format, FormatVersion)
	}
	k, dim := len(f.Intents), len(f.Hashes)/8
	switch {
	case k < 2, len(f.Hashes) != 8*dim, len(f.IDF) != 4*dim, len(f.Weights) != 2*(dim+1)*k, f.OOS < -1, f.OOS >= k:
		return nil, fmt.Errorf("%w: inconsistent sizes", errBadModel)
	case f.NetHidden < 0, f.NetHidden > 0 && (len(f.NetW1) != 2*dim*f.NetHidden || len(f.NetB1) != 2*f.NetHidden ||
		len(f.NetW2) != 2*f.NetHidden*k || len(f.NetB2) != 2*k):
		return nil, fmt.Errorf("%w: inconsistent network sizes", errBadModel)
	case f.digest() != f.Fingerprint:
		return nil, fmt.Errorf("%w: fingerprint mismatch", errBadModel)
	}
	m := &Model{
		vec:     newVectorizer(f.Features, bytesU64(f.Hashes), bytesF32(f.IDF)),
		intents: f.Intents, oos: f.OOS, weights: bytesHalf(f.Weights),
		beta: f.Beta, threshold: f.Threshold, version: f.Version,
		valid: f.Validation, opts: f.Options,
	}
	if f.NetHidden > 0 {
		m.net = &mlp{Hidden: f.NetHidden, W1: bytesHalf(f.NetW1), B1: bytesHalf(f.NetB1),
			W2: bytesHalf(f.NetW2), B2: bytesHalf(f.NetB2)}
		m.netWeight = f.NetWeight
	}
	return m, nil
}

func u64Bytes(v []uint64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], x)
	}
	return b
}

func bytesU64(b []byte) []uint64 {
	v := make([]uint64, len(b)/8)
	for i := range v {
		v[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return v
}

func f32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func bytesF32(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

func gobEncode(w *bytes.Buffer, f *modelFile) error { return gob.NewEncoder(w).Encode(f) }
