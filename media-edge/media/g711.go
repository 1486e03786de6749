package media

// G.711 (ITU-T G.711, 1988) µ-law and A-law, table-driven. The tables are built once from the
// reference algorithm of the recommendation (as in the ITU's G.191 software tools and Sun's
// g711.c): decoding is one lookup of 256 entries, encoding one lookup indexed by the top 14 (µ-law)
// or 13 (A-law) bits of the linear sample, which are all the bits each law looks at.

var (
	ulawDecode [256]int16
	alawDecode [256]int16
	ulawEncode [1 << 14]byte
	alawEncode [1 << 13]byte
)

func init() {
	for i := range 256 {
		ulawDecode[i] = ulawToLinear(byte(i))
		alawDecode[i] = alawToLinear(byte(i))
	}
	for i := range ulawEncode {
		ulawEncode[i] = linearToUlaw(int16(uint16(i) << 2))
	}
	for i := range alawEncode {
		alawEncode[i] = linearToAlaw(int16(uint16(i) << 3))
	}
}

// ULawEncode returns the µ-law code of one 16-bit linear sample.
func ULawEncode(s int16) byte { return ulawEncode[uint16(s)>>2] }

// ULawDecode returns the 16-bit linear sample of one µ-law code.
func ULawDecode(b byte) int16 { return ulawDecode[b] }

// ALawEncode returns the A-law code of one 16-bit linear sample.
func ALawEncode(s int16) byte { return alawEncode[uint16(s)>>3] }

// ALawDecode returns the 16-bit linear sample of one A-law code.
func ALawDecode(b byte) int16 { return alawDecode[b] }

// Encode writes the codec's bytes for pcm into dst (len(dst) ≥ len(pcm)) and returns how many.
func (c Codec) Encode(dst []byte, pcm []int16) int {
	dst = dst[:len(pcm)]
	if c == PCMA {
		for i, s := range pcm {
			dst[i] = alawEncode[uint16(s)>>3]
		}
		return len(pcm)
	}
	for i, s := range pcm {
		dst[i] = ulawEncode[uint16(s)>>2]
	}
	return len(pcm)
}

// Decode writes the linear samples of the codec's bytes src into dst (len(dst) ≥ len(src)).
func (c Codec) Decode(dst []int16, src []byte) int {
	t := c.decodeTable()
	dst = dst[:len(src)]
	for i, b := range src {
		dst[i] = t[b]
	}
	return len(src)
}

func (c Codec) decodeTable() *[256]int16 {
	if c == PCMA {
		return &alawDecode
	}
	return &ulawDecode
}

// valid reports whether the edge speaks c.
func (c Codec) valid() bool { return c == PCMU || c == PCMA }

// String names the codec as SDP's rtpmap does.
func (c Codec) String() string {
	switch c {
	case PCMU:
		return "PCMU"
	case PCMA:
		return "PCMA"
	}
	return "unknown"
}

// Silence is the codec's code for a zero sample (µ-law 0xFF, A-law 0xD5).
func (c Codec) Silence() byte {
	if c == PCMA {
		return 0xD5
	}
	return 0xFF
}

// The reference algorithm, used only to build the tables.

const (
	ulawBias = 0x84
	ulawClip = 8159
	quantMsk = 0x0F
	segMask  = 0x70
	segShift = 4
	signBit  = 0x80
)

var (
	segUEnd = [8]int{0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF}
	segAEnd = [8]int{0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF}
)

func segment(v int, ends *[8]int) int {
	for i, e := range ends {
		if v <= e {
			return i
		}
	}
	return 8
}

func linearToUlaw(s int16) byte {
	v := int(s) >> 2
	mask := 0xFF
	if v < 0 {
		v = -v
		mask = 0x7F
	}
	v = min(v, ulawClip)
	v += ulawBias >> 2
	seg := segment(v, &segUEnd)
	if seg >= 8 {
		return byte(0x7F ^ mask)
	}
	return byte(((seg << 4) | ((v >> (seg + 1)) & 0xF)) ^ mask)
}

func ulawToLinear(u byte) int16 {
	u = ^u
	t := (int(u&quantMsk) << 3) + ulawBias
	t <<= (u & segMask) >> segShift
	if u&signBit != 0 {
		return int16(ulawBias - t)
	}
	return int16(t - ulawBias)
}

func linearToAlaw(s int16) byte {
	v := int(s) >> 3
	mask := 0xD5
	if v < 0 {
		mask = 0x55
		v = -v - 1
	}
	seg := segment(v, &segAEnd)
	if seg >= 8 {
		return byte(0x7F ^ mask)
	}
	a := seg << segShift
	if seg < 2 {
		a |= (v >> 1) & quantMsk
	} else {
		a |= (v >> seg) & quantMsk
	}
	return byte(a ^ mask)
}

func alawToLinear(a byte) int16 {
	a ^= 0x55
	t := int(a&quantMsk) << 4
	seg := int(a&segMask) >> segShift
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&signBit != 0 {
		return int16(t)
	}
	return int16(-t)
}
