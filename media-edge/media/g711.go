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

// The reference algorithm, used only to build the tables: the ITU-T's own implementation of
// G.711 in the G.191 Software Tool Library (g711.c: alaw_compress, alaw_expand, ulaw_compress,
// ulaw_expand), which takes the 13 (A-law) or 14 (µ-law) most significant bits of a 16-bit sample
// and folds negative samples by one's complement.

func linearToUlaw(s int16) byte {
	x := int(s)
	var absno int
	if x < 0 {
		absno = (^x)>>2 + 33
	} else {
		absno = x>>2 + 33
	}
	absno = min(absno, 0x1FFF)
	segno := 1
	for i := absno >> 6; i != 0; i >>= 1 {
		segno++
	}
	high := 8 - segno
	low := 0xF - (absno>>segno)&0xF
	code := high<<4 | low
	if x >= 0 {
		code |= 0x80
	}
	return byte(code)
}

func ulawToLinear(u byte) int16 {
	sign := 1
	if u < 0x80 {
		sign = -1
	}
	m := int(^u)
	exponent := (m >> 4) & 7
	m &= 0xF
	step := 4 << (exponent + 1)
	return int16(sign * ((0x80 << exponent) + step*m + step/2 - 4*33))
}

func linearToAlaw(s int16) byte {
	x := int(s)
	var ix int
	if x < 0 {
		ix = (^x) >> 4
	} else {
		ix = x >> 4
	}
	if ix > 15 {
		iexp := 1
		for ix > 16+15 {
			ix >>= 1
			iexp++
		}
		ix -= 16
		ix += iexp << 4
	}
	if x >= 0 {
		ix |= 0x80
	}
	return byte(ix ^ 0x55)
}

func alawToLinear(a byte) int16 {
	ix := int(a ^ 0x55)
	ix &= 0x7F
	iexp := ix >> 4
	mant := ix & 0xF
	if iexp > 0 {
		mant += 16
	}
	mant = mant<<4 + 8
	if iexp > 1 {
		mant <<= iexp - 1
	}
	if a^0x55 > 127 {
		return int16(mant)
	}
	return int16(-mant)
}
