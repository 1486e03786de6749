package sentiment

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"math"
	"slices"
)

// FormatVersion names the layout of marshalled models; UnmarshalBinary
// refuses other formats with ErrFormat.
const FormatVersion = "lingxi-sentiment/1"

// modelFile is the serialised form of a Model.
type modelFile struct {
	Format   string
	Features FeatureConfig
	Labels   []Label
	Hashes   []byte // little-endian uint64 per feature column, ascending
	IDF      []byte // little-endian float32 per column
	Weights  []byte // little-endian float32, feature-major, bias row last
	Beta     float64
	Digest   []byte // sha256 of the fields above
}

func (f *modelFile) digest() []byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%+v|%v|%d|%d|%d|%v|", f.Format, f.Features, f.Labels, len(f.Hashes), len(f.IDF), len(f.Weights), f.Beta)
	h.Write(f.Hashes)
	h.Write(f.IDF)
	h.Write(f.Weights)
	return h.Sum(nil)
}

// MarshalBinary encodes the model; UnmarshalBinary restores a model that
// predicts identically.
func (m *Model) MarshalBinary() ([]byte, error) {
	f := modelFile{Format: FormatVersion, Features: m.vec.cfg, Labels: m.labels, Beta: m.beta}
	f.Hashes = make([]byte, 8*len(m.vec.hash))
	for i, h := range m.vec.hash {
		binary.LittleEndian.PutUint64(f.Hashes[8*i:], h)
	}
	f.IDF = f32Bytes(m.vec.idf)
	f.Weights = f32Bytes(m.weights)
	f.Digest = f.digest()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&f); err != nil {
		return nil, fmt.Errorf("sentiment: encode model: %w", err)
	}
	return buf.Bytes(), nil
}

// UnmarshalBinary loads a model written by MarshalBinary into m, which
// must be a new Model.
func (m *Model) UnmarshalBinary(data []byte) error {
	var f modelFile
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&f); err != nil {
		return fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if f.Format != FormatVersion || !bytes.Equal(f.Digest, f.digest()) {
		return ErrFormat
	}
	k := len(f.Labels)
	if k < 2 || len(f.Hashes)%8 != 0 {
		return ErrFormat
	}
	for i, l := range f.Labels {
		if !l.Valid() || i > 0 && slices.Index(labelOrder, l) <= slices.Index(labelOrder, f.Labels[i-1]) {
			return ErrFormat
		}
	}
	dim := len(f.Hashes) / 8
	if len(f.IDF) != 4*dim || len(f.Weights) != 4*(dim+1)*k {
		return ErrFormat
	}
	hashes := make([]uint64, dim)
	for i := range hashes {
		hashes[i] = binary.LittleEndian.Uint64(f.Hashes[8*i:])
		if i > 0 && hashes[i] <= hashes[i-1] {
			return ErrFormat
		}
	}
	m.vec = newVectorizer(f.Features, hashes, bytesF32(f.IDF))
	m.labels = f.Labels
	m.weights = bytesF32(f.Weights)
	m.beta = f.Beta
	return nil
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
