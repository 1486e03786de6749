package awsspeech

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/polly"

	"github.com/lingxi/lingxi/media-edge/voice"
)

// loopbackPolly is the real Polly client pointed at a loopback server.
func loopbackPolly(t *testing.T, h http.HandlerFunc) *polly.Client {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return polly.New(polly.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		HTTPClient:   srv.Client(),
	})
}

func TestPollyRequestAndAudio(t *testing.T) {
	want := []int16{0, 1000, -1000, 32767, -32768}
	var got map[string]any
	var path, auth string
	c := loopbackPolly(t, func(w http.ResponseWriter, r *http.Request) {
		path, auth = r.URL.Path, r.Header.Get("Authorization")
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &got); err != nil {
			t.Errorf("body %q: %v", body, err)
		}
		w.Header().Set("Content-Type", "audio/pcm")
		for _, s := range want {
			binary.Write(w, binary.LittleEndian, s)
		}
	})
	p := &Polly{Client: c}
	pcm, err := p.Synthesize(context.Background(), "您好，请问有什么可以帮您？", "zh-CN")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pcm, want) {
		t.Fatalf("pcm %v, want %v", pcm, want)
	}
	if path != "/v1/speech" || len(auth) < 20 {
		t.Errorf("path %q, auth %q", path, auth)
	}
	for k, v := range map[string]string{"OutputFormat": "pcm", "SampleRate": "8000", "VoiceId": "Zhiyu", "Engine": "neural", "LanguageCode": "cmn-CN", "TextType": "text", "Text": "您好，请问有什么可以帮您？"} {
		if got[k] != v {
			t.Errorf("%s = %v, want %q", k, got[k], v)
		}
	}

	if _, err := p.Synthesize(context.Background(), "<speak>Hello</speak>", "en"); err != nil {
		t.Fatal(err)
	}
	if got["VoiceId"] != "Joanna" || got["TextType"] != "ssml" || got["LanguageCode"] != "en-US" {
		t.Errorf("en request %v", got)
	}
}

func TestPollyErrors(t *testing.T) {
	c := loopbackPolly(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-ErrorType", "TextLengthExceededException")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"message":"too long"}`))
	})
	p := &Polly{Client: c}
	if _, err := p.Synthesize(context.Background(), "x", "en"); err == nil {
		t.Fatal("no error from a 400")
	}
	if _, err := p.Synthesize(context.Background(), "x", "fr"); !errors.Is(err, voice.ErrUnsupportedLanguage) {
		t.Fatalf("fr: %v", err)
	}
	wrong := loopbackPolly(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/mpeg")
		w.Write([]byte("ID3"))
	})
	if _, err := (&Polly{Client: wrong}).Synthesize(context.Background(), "x", "en"); err == nil {
		t.Fatal("mp3 accepted as PCM")
	}
}
