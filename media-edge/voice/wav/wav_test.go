package wav

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	in := []int16{0, 1, -1, 32767, -32768, 1234}
	var b bytes.Buffer
	if err := Encode(&b, 8000, 1, in); err != nil {
		t.Fatal(err)
	}
	out, err := DecodeMono8k(&b)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(in, out) {
		t.Fatalf("got %v, want %v", out, in)
	}
}

func TestRejects(t *testing.T) {
	var b bytes.Buffer
	if err := Encode(&b, 16000, 1, []int16{1, 2}); err != nil {
		t.Fatal(err)
	}
	wide := b.Bytes()
	stereo := bytes.Clone(wide)
	stereo[22] = 2
	stereo[24], stereo[25] = 0x40, 0x1f // 8000 Hz
	float := bytes.Clone(wide)
	float[20] = 3
	for name, in := range map[string][]byte{
		"16 kHz": wide, "stereo": stereo, "float": float, "text": []byte("hello, world, not a wav"), "empty": nil,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeMono8k(bytes.NewReader(in))
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v, want ErrFormat", err)
			}
		})
	}
}

func TestDecodesFSDD(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "testdata", "fsdd", "0_jackson_5.wav"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pcm, err := DecodeMono8k(f)
	if err != nil || len(pcm) != 4591 {
		t.Fatalf("len %d, err %v", len(pcm), err)
	}
}

func FuzzDecode(f *testing.F) {
	var b bytes.Buffer
	_ = Encode(&b, 8000, 1, []int16{1, -2, 3})
	f.Add(b.Bytes())
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, in []byte) {
		a, err := Decode(bytes.NewReader(in))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := Encode(&out, a.Rate, a.Channels, a.Samples); err != nil {
			t.Fatal(err)
		}
		back, err := Decode(&out)
		if err != nil || !slices.Equal(back.Samples, a.Samples) {
			t.Fatalf("re-decode: %v", err)
		}
	})
}
