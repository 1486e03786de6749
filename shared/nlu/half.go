package nlu

import (
	"encoding/binary"
	"math"
)

// Weights are stored as IEEE 754 half-precision floats, halving the model
// size. Training rounds the in-memory weights to half precision before the
// model is used, so a loaded model predicts exactly as the trained one.

// toHalf converts f to half precision, rounding to nearest even; values
// beyond the half range become ±Inf (weights never get there).
func toHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	switch {
	case b&0x7fffffff == 0:
		return sign
	case exp >= 0x1f:
		if b>>23&0xff == 0xff && mant != 0 {
			return sign | 0x7e00 // NaN
		}
		return sign | 0x7c00
	case exp <= 0:
		if exp < -10 {
			return sign // underflow to zero
		}
		mant |= 0x800000
		shift := uint32(14 - exp)
		half := mant >> shift
		rem := mant & (1<<shift - 1)
		mid := uint32(1) << (shift - 1)
		if rem > mid || (rem == mid && half&1 == 1) {
			half++
		}
		return sign | uint16(half)
	}
	half := uint32(exp)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && half&1 == 1) {
		half++ // may carry into the exponent, which is still right
	}
	return sign | uint16(half)
}

func fromHalf(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h >> 10 & 0x1f)
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal
		e := uint32(127 - 15 + 1)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	}
	return math.Float32frombits(sign | (exp-15+127)<<23 | mant<<13)
}

// roundHalf rounds every value to the nearest half-precision value.
func roundHalf(v []float32) {
	for i, x := range v {
		v[i] = fromHalf(toHalf(x))
	}
}

func halfBytes(v []float32) []byte {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], toHalf(x))
	}
	return b
}

func bytesHalf(b []byte) []float32 {
	v := make([]float32, len(b)/2)
	for i := range v {
		v[i] = fromHalf(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return v
}
