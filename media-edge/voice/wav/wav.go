// Package wav reads and writes the one WAV shape the voice tools speak: RIFF/WAVE, PCM format 1,
// 16-bit little-endian samples. Decode checks the header strictly and says what it found when it
// is not that shape; it is a parser of untrusted input and has a fuzz target.
package wav

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Audio is decoded PCM: interleaved 16-bit samples.
type Audio struct {
	Rate     int
	Channels int
	Samples  []int16
}

// ErrFormat is wrapped by every error about a file that is not 16-bit PCM WAV.
var ErrFormat = errors.New("wav: unsupported format")

// maxData bounds what Decode will allocate (one hour of 8 kHz stereo is 115 MB).
const maxData = 256 << 20

// Decode reads a RIFF/WAVE file of 16-bit PCM. Chunks other than "fmt " and "data" are skipped.
func Decode(r io.Reader) (Audio, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return Audio{}, fmt.Errorf("%w: not a RIFF/WAVE file (shorter than a header: %v)", ErrFormat, err)
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return Audio{}, fmt.Errorf("%w: not a RIFF/WAVE file", ErrFormat)
	}
	var a Audio
	haveFmt := false
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return Audio{}, fmt.Errorf("%w: no data chunk: %v", ErrFormat, err)
		}
		id := string(ch[0:4])
		size := binary.LittleEndian.Uint32(ch[4:8])
		switch id {
		case "fmt ":
			if size < 16 || size > 1024 {
				return Audio{}, fmt.Errorf("%w: fmt chunk of %d bytes", ErrFormat, size)
			}
			buf := make([]byte, size+size%2)
			if _, err := io.ReadFull(r, buf); err != nil {
				return Audio{}, fmt.Errorf("%w: reading fmt chunk: %v", ErrFormat, err)
			}
			format := binary.LittleEndian.Uint16(buf[0:2])
			a.Channels = int(binary.LittleEndian.Uint16(buf[2:4]))
			a.Rate = int(binary.LittleEndian.Uint32(buf[4:8]))
			bits := binary.LittleEndian.Uint16(buf[14:16])
			if format == 0xFFFE && size >= 26 { // WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes
				format = binary.LittleEndian.Uint16(buf[24:26])
			}
			if format != 1 || bits != 16 {
				return Audio{}, fmt.Errorf("%w: format %d with %d-bit samples (want PCM, 16-bit)", ErrFormat, format, bits)
			}
			if a.Channels < 1 || a.Channels > 8 || a.Rate < 1000 || a.Rate > 384000 {
				return Audio{}, fmt.Errorf("%w: %d channels at %d Hz", ErrFormat, a.Channels, a.Rate)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return Audio{}, fmt.Errorf("%w: data chunk before fmt chunk", ErrFormat)
			}
			n := int64(size)
			if size == 0xFFFFFFFF || n > maxData { // streaming writers leave the size open: read to the end
				n = maxData
			}
			buf, err := io.ReadAll(io.LimitReader(r, n))
			if err != nil {
				return Audio{}, fmt.Errorf("wav: reading data: %w", err)
			}
			buf = buf[:len(buf)/(2*a.Channels)*(2*a.Channels)]
			a.Samples = make([]int16, len(buf)/2)
			for i := range a.Samples {
				a.Samples[i] = int16(binary.LittleEndian.Uint16(buf[2*i:]))
			}
			return a, nil
		default:
			if _, err := io.CopyN(io.Discard, r, int64(size)+int64(size%2)); err != nil {
				return Audio{}, fmt.Errorf("%w: skipping %q chunk: %v", ErrFormat, id, err)
			}
		}
	}
}

// DecodeMono8k decodes and insists on 8 kHz mono, the edge's audio.
func DecodeMono8k(r io.Reader) ([]int16, error) {
	a, err := Decode(r)
	if err != nil {
		return nil, err
	}
	if a.Rate != 8000 || a.Channels != 1 {
		return nil, fmt.Errorf("%w: %d Hz with %d channels (want 8000 Hz mono)", ErrFormat, a.Rate, a.Channels)
	}
	return a.Samples, nil
}

// Encode writes samples as 16-bit PCM WAV.
func Encode(w io.Writer, rate, channels int, samples []int16) error {
	data := 2 * len(samples)
	var h [44]byte
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+data))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], uint16(channels))
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*channels*2))
	binary.LittleEndian.PutUint16(h[32:], uint16(channels*2))
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(data))
	buf := make([]byte, 0, 44+data)
	buf = append(buf, h[:]...)
	for _, s := range samples {
		buf = binary.LittleEndian.AppendUint16(buf, uint16(s))
	}
	_, err := w.Write(buf)
	return err
}
