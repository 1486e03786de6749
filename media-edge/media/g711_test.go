package media

import "testing"

// Known values of ITU-T G.711 (Tables 2a and 2b): the decoded level of codes at the ends of the
// scale and at zero, and the codes of full scale and zero.
func TestG711KnownValues(t *testing.T) {
	decode := []struct {
		name string
		dec  func(byte) int16
		code byte
		want int16
	}{
		{"µ-law +0", ULawDecode, 0xFF, 0},
		{"µ-law -0", ULawDecode, 0x7F, 0},
		{"µ-law +max", ULawDecode, 0x80, 32124},
		{"µ-law -max", ULawDecode, 0x00, -32124},
		{"µ-law smallest step", ULawDecode, 0xFE, 8},
		{"µ-law segment 1", ULawDecode, 0xEF, 132},
		{"A-law +min", ALawDecode, 0xD5, 8},
		{"A-law -min", ALawDecode, 0x55, -8},
		{"A-law +max", ALawDecode, 0xAA, 32256},
		{"A-law -max", ALawDecode, 0x2A, -32256},
		{"A-law segment 1", ALawDecode, 0xC5, 264},
	}
	for _, c := range decode {
		if got := c.dec(c.code); got != c.want {
			t.Errorf("%s: decode(%#02x) = %d, want %d", c.name, c.code, got, c.want)
		}
	}
	encode := []struct {
		name string
		enc  func(int16) byte
		in   int16
		want byte
	}{
		{"µ-law 0", ULawEncode, 0, 0xFF},
		{"µ-law +full", ULawEncode, 32767, 0x80},
		{"µ-law -full", ULawEncode, -32768, 0x00},
		{"µ-law -1", ULawEncode, -1, 0x7F},
		{"A-law 0", ALawEncode, 0, 0xD5},
		{"A-law +full", ALawEncode, 32767, 0xAA},
		{"A-law -full", ALawEncode, -32768, 0x2A},
		{"A-law -1", ALawEncode, -1, 0x55},
	}
	for _, c := range encode {
		if got := c.enc(c.in); got != c.want {
			t.Errorf("%s: encode(%d) = %#02x, want %#02x", c.name, c.in, got, c.want)
		}
	}
}

// Every code decodes to a level that encodes back to it (µ-law's negative zero aside), the tables
// agree with the reference algorithm on every 16-bit sample, and the round trip of a sample stays
// within half a quantization step of each law's segment.
func TestG711RoundTrips(t *testing.T) {
	for c := range 256 {
		b := byte(c)
		if got := ALawEncode(ALawDecode(b)); got != b {
			t.Errorf("A-law %#02x → %d → %#02x", b, ALawDecode(b), got)
		}
		want := b
		if b == 0x7F {
			want = 0xFF
		}
		if got := ULawEncode(ULawDecode(b)); got != want {
			t.Errorf("µ-law %#02x → %d → %#02x", b, ULawDecode(b), got)
		}
	}
	for i := -32768; i <= 32767; i++ {
		s := int16(i)
		if ULawEncode(s) != linearToUlaw(s) || ALawEncode(s) != linearToAlaw(s) {
			t.Fatalf("table and reference differ at %d", s)
		}
		for _, c := range []struct {
			name     string
			enc      func(int16) byte
			dec      func(byte) int16
			min, max int // quantization step at the smallest and largest levels
		}{{"µ-law", ULawEncode, ULawDecode, 8, 1024}, {"A-law", ALawEncode, ALawDecode, 16, 1024}} {
			err := int(c.dec(c.enc(s))) - i
			step := c.min
			for lvl := abs(i); lvl >= 256 && step < c.max; lvl >>= 1 {
				step <<= 1
			}
			if abs(err) > step && abs(i) < 32124 {
				t.Fatalf("%s: %d decodes back as %d (step %d)", c.name, i, c.dec(c.enc(s)), step)
			}
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestCodecBuffers(t *testing.T) {
	pcm := []int16{0, 1000, -1000, 32767, -32768}
	for _, c := range []Codec{PCMU, PCMA} {
		b := make([]byte, len(pcm))
		if n := c.Encode(b, pcm); n != len(pcm) {
			t.Fatal(n)
		}
		out := make([]int16, len(b))
		c.Decode(out, b)
		if out[0] != c.decodeTable()[c.Silence()] {
			t.Errorf("%s: zero decodes to %d, silence code to %d", c, out[0], c.decodeTable()[c.Silence()])
		}
	}
}

func BenchmarkG711(b *testing.B) {
	var pcm [FrameSamples]int16
	for i := range pcm {
		pcm[i] = int16(i * 200)
	}
	var enc [FrameSamples]byte
	b.Run("encode-frame", func(b *testing.B) {
		for b.Loop() {
			PCMU.Encode(enc[:], pcm[:])
		}
	})
	b.Run("decode-frame", func(b *testing.B) {
		for b.Loop() {
			PCMA.Decode(pcm[:], enc[:])
		}
	})
}
