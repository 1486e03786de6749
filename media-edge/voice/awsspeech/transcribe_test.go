package awsspeech

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/lingxi/lingxi/media-edge/voice"
)

var testCreds = credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")

// fakeTranscribe is a loopback HTTP/2 server that checks the request and every chunk signature,
// collects the audio, and answers with the given events.
type fakeTranscribe struct {
	t       *testing.T
	answer  []eventstream.Message
	gotPCM  []int16
	headers http.Header
	proto   int
	chunks  int
}

func (f *fakeTranscribe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := f.t
	f.headers, f.proto = r.Header.Clone(), r.ProtoMajor
	if r.Method != http.MethodPost || r.URL.Path != "/stream-transcription" {
		t.Errorf("%s %s", r.Method, r.URL.Path)
	}
	seed, err := v4.GetSignedRequestSignature(r)
	if err != nil {
		t.Errorf("request signature: %v", err)
		return
	}
	creds, _ := testCreds.Retrieve(context.Background())
	verifier := v4.NewStreamSigner(creds, "transcribe", "ap-northeast-1", seed)
	dec := eventstream.NewDecoder()
	for ended := false; !ended; {
		msg, err := dec.Decode(r.Body, nil)
		if err != nil {
			t.Errorf("decoding request stream: %v", err)
			return
		}
		date := msg.Headers.Get(":date").Get().(time.Time)
		var dh eventstream.Headers
		dh.Set(":date", eventstream.TimestampValue(date))
		var enc bytes.Buffer
		eventstream.EncodeHeaders(&enc, dh)
		want, _ := verifier.GetSignature(context.Background(), enc.Bytes(), msg.Payload, date)
		if got := msg.Headers.Get(":chunk-signature").Get().([]byte); !bytes.Equal(got, want) {
			t.Errorf("chunk %d: signature does not verify", f.chunks)
		}
		f.chunks++
		if len(msg.Payload) == 0 {
			ended = true
			continue
		}
		inner, err := dec.Decode(bytes.NewReader(msg.Payload), nil)
		if err != nil {
			t.Errorf("inner message: %v", err)
			return
		}
		if header(inner, ":event-type") != "AudioEvent" || header(inner, ":message-type") != "event" {
			t.Errorf("inner headers %v", inner.Headers)
		}
		for i := 0; i+1 < len(inner.Payload); i += 2 {
			f.gotPCM = append(f.gotPCM, int16(binary.LittleEndian.Uint16(inner.Payload[i:])))
		}
	}
	w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	w.WriteHeader(http.StatusOK)
	enc := eventstream.NewEncoder()
	for _, m := range f.answer {
		enc.Encode(w, m)
	}
}

func event(kind, typ, payload string) eventstream.Message {
	var m eventstream.Message
	m.Headers.Set(":message-type", eventstream.StringValue(kind))
	if kind == "event" {
		m.Headers.Set(":event-type", eventstream.StringValue(typ))
	} else {
		m.Headers.Set(":exception-type", eventstream.StringValue(typ))
	}
	m.Headers.Set(":content-type", eventstream.StringValue("application/json"))
	m.Payload = []byte(payload)
	return m
}

func startFake(t *testing.T, f *fakeTranscribe) *Transcribe {
	f.t = t
	srv := httptest.NewUnstartedServer(f)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &Transcribe{HTTPClient: srv.Client(), Region: "ap-northeast-1", Endpoint: srv.URL, Credentials: testCreds,
		Vocabularies: map[string]string{"zh": "bank-terms"}}
}

func TestTranscribeStreamsSignedAudioAndMapsFinalResults(t *testing.T) {
	f := &fakeTranscribe{answer: []eventstream.Message{
		event("event", "TranscriptEvent", `{"Transcript":{"Results":[{"IsPartial":true,"Alternatives":[{"Transcript":"我的","Items":[]}]}]}}`),
		event("event", "TranscriptEvent", `{"Transcript":{"Results":[{"IsPartial":false,"ResultId":"r1","Alternatives":[{"Transcript":"我的卡丢了。","Items":[{"Content":"我的","Confidence":0.9,"Type":"pronunciation"},{"Content":"卡","Confidence":0.8,"Type":"pronunciation"},{"Content":"丢了","Confidence":1.0,"Type":"pronunciation"},{"Content":"。","Type":"punctuation"}]}]}]}}`),
		event("event", "TranscriptEvent", `{"Transcript":{"Results":[]}}`),
	}}
	tr := startFake(t, f)
	pcm := make([]int16, 2500) // 312.5 ms: three full 100 ms chunks and a short one
	for i := range pcm {
		pcm[i] = int16(i*7 - 5000)
	}
	got, err := tr.Recognize(context.Background(), pcm, "zh-CN", []string{"挂失"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "我的卡丢了。" || got.Confidence < 0.899 || got.Confidence > 0.901 {
		t.Fatalf("transcript %+v", got)
	}
	if !slices.Equal(f.gotPCM, pcm) {
		t.Fatalf("server got %d samples, sent %d", len(f.gotPCM), len(pcm))
	}
	if f.chunks != 5 || f.proto != 2 {
		t.Errorf("%d signed messages over HTTP/%d, want 5 over HTTP/2", f.chunks, f.proto)
	}
	for k, v := range map[string]string{
		"X-Amzn-Transcribe-Language-Code":   "zh-CN",
		"X-Amzn-Transcribe-Sample-Rate":     "8000",
		"X-Amzn-Transcribe-Media-Encoding":  "pcm",
		"X-Amzn-Transcribe-Vocabulary-Name": "bank-terms",
		"X-Amz-Content-Sha256":              "STREAMING-AWS4-HMAC-SHA256-EVENTS",
		"Content-Type":                      "application/vnd.amazon.eventstream",
	} {
		if got := f.headers.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if auth := f.headers.Get("Authorization"); !strings.Contains(auth, "/ap-northeast-1/transcribe/aws4_request") {
		t.Errorf("Authorization %q", auth)
	}
}

func TestTranscribeExceptionsAndLanguages(t *testing.T) {
	f := &fakeTranscribe{answer: []eventstream.Message{
		event("exception", "BadRequestException", `{"Message":"Your request timed out because no new audio was received for 15 seconds."}`),
	}}
	tr := startFake(t, f)
	_, err := tr.Recognize(context.Background(), make([]int16, 800), "en", nil)
	if !errors.Is(err, ErrTranscribe) || !strings.Contains(err.Error(), "BadRequestException") {
		t.Fatalf("err %v", err)
	}
	if f.headers.Get("X-Amzn-Transcribe-Language-Code") != "en-US" || f.headers.Get("X-Amzn-Transcribe-Vocabulary-Name") != "" {
		t.Errorf("headers %v", f.headers)
	}
	if _, err := tr.Recognize(context.Background(), nil, "fr", nil); !errors.Is(err, voice.ErrUnsupportedLanguage) {
		t.Fatalf("fr: %v", err)
	}
}

func TestTranscribeHTTPError(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Amzn-ErrorType", "UnrecognizedClientException")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"message":"The security token included in the request is invalid."}`))
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	tr := &Transcribe{HTTPClient: srv.Client(), Region: "us-east-1", Endpoint: srv.URL, Credentials: testCreds}
	_, err := tr.Recognize(context.Background(), make([]int16, 1600), "en", nil)
	if !errors.Is(err, ErrTranscribe) || !strings.Contains(err.Error(), "403") {
		t.Fatalf("err %v", err)
	}
}

func FuzzReadTranscripts(f *testing.F) {
	var b bytes.Buffer
	eventstream.NewEncoder().Encode(&b, event("event", "TranscriptEvent", `{"Transcript":{"Results":[{"Alternatives":[{"Transcript":"hi"}]}]}}`))
	f.Add(b.Bytes())
	b.Reset()
	eventstream.NewEncoder().Encode(&b, event("exception", "LimitExceededException", `{"Message":"x"}`))
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, in []byte) {
		readTranscripts(bytes.NewReader(in))
	})
}
