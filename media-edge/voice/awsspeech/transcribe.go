package awsspeech

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/lingxi/lingxi/media-edge/voice"
)

// Transcribe recognises with Amazon Transcribe streaming (StartStreamTranscription): the
// utterance goes up as 8 kHz PCM AudioEvents on an HTTP/2 event stream, each message signed with
// a SigV4 chunk signature chained from the request's; the final (non-partial) results come back
// as TranscriptEvents.
//
// Hints: Transcribe streaming takes no per-request phrase list, only a custom vocabulary created
// beforehand; set Vocabularies to name one per language. The hints are not sent.
type Transcribe struct {
	// HTTPClient must speak HTTP/2 (Transcribe streaming requires it); http.DefaultClient does
	// over TLS.
	HTTPClient *http.Client
	Region     string
	// Endpoint overrides https://transcribestreaming.REGION.amazonaws.com (tests use a loopback server).
	Endpoint    string
	Credentials aws.CredentialsProvider
	// Languages maps "zh" and "en" to Transcribe language codes; zh-CN and en-US when nil.
	Languages map[string]string
	// Vocabularies maps a language to a custom vocabulary's name (optional).
	Vocabularies map[string]string
	// ChunkDuration is the audio per AudioEvent; 100 ms when 0.
	ChunkDuration time.Duration
	// Now stamps the signatures; time.Now when nil.
	Now func() time.Time
}

var _ voice.Recognizer = (*Transcribe)(nil)

// ErrTranscribe is wrapped by the exceptions Transcribe sends on the stream.
var ErrTranscribe = errors.New("transcribe")

const (
	transcribeService = "transcribe"
	streamingPayload  = "STREAMING-AWS4-HMAC-SHA256-EVENTS"
	maxEventPayload   = 1 << 20 // an answer event larger than this is refused
)

func (t *Transcribe) now() time.Time {
	if t.Now != nil {
		return t.Now().UTC()
	}
	return time.Now().UTC()
}

// Recognize streams the utterance and returns the final transcript; Confidence is the mean of
// the recognised words' confidences.
func (t *Transcribe) Recognize(ctx context.Context, pcm []int16, lang string, hints []string) (voice.Transcript, error) {
	langs := t.Languages
	if langs == nil {
		langs = map[string]string{"zh": "zh-CN", "en": "en-US"}
	}
	code, ok := langs[baseLang(lang)]
	if !ok {
		return voice.Transcript{}, fmt.Errorf("transcribe %q: %w", lang, voice.ErrUnsupportedLanguage)
	}
	creds, err := t.Credentials.Retrieve(ctx)
	if err != nil {
		return voice.Transcript{}, fmt.Errorf("transcribe: credentials: %w", err)
	}
	endpoint := t.Endpoint
	if endpoint == "" {
		endpoint = "https://transcribestreaming." + t.Region + ".amazonaws.com"
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	body, bodyW := io.Pipe()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(endpoint, "/")+"/stream-transcription", body)
	if err != nil {
		return voice.Transcript{}, fmt.Errorf("transcribe: %w", err)
	}
	req.Header.Set("Content-Type", "application/vnd.amazon.eventstream")
	req.Header.Set("X-Amz-Content-Sha256", streamingPayload)
	req.Header.Set("X-Amzn-Transcribe-Language-Code", code)
	req.Header.Set("X-Amzn-Transcribe-Sample-Rate", fmt.Sprint(voice.SampleRate))
	req.Header.Set("X-Amzn-Transcribe-Media-Encoding", "pcm")
	if v := t.Vocabularies[baseLang(lang)]; v != "" {
		req.Header.Set("X-Amzn-Transcribe-Vocabulary-Name", v)
	}
	signedAt := t.now()
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, streamingPayload, transcribeService, t.Region, signedAt); err != nil {
		return voice.Transcript{}, fmt.Errorf("transcribe: signing: %w", err)
	}
	seed, err := v4.GetSignedRequestSignature(req)
	if err != nil {
		return voice.Transcript{}, fmt.Errorf("transcribe: %w", err)
	}

	// The writer owns bodyW: it sends the audio and the closing empty message, then closes. It
	// stops early when ctx ends (the pipe's reader is closed by the transport).
	writeErr := make(chan error, 1)
	go func() {
		err := t.writeAudio(bodyW, v4.NewStreamSigner(creds, transcribeService, t.Region, seed), pcm)
		bodyW.CloseWithError(err)
		writeErr <- err
	}()
	tr, err := t.exchange(req)
	cancel()
	body.Close()
	if werr := <-writeErr; err == nil && werr != nil && !errors.Is(werr, io.ErrClosedPipe) {
		err = fmt.Errorf("transcribe: sending audio: %w", werr)
	}
	return tr, err
}

func (t *Transcribe) exchange(req *http.Request) (voice.Transcript, error) {
	client := t.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return voice.Transcript{}, fmt.Errorf("transcribe: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return voice.Transcript{}, fmt.Errorf("%w: HTTP %d %s: %s", ErrTranscribe, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), bytes.TrimSpace(msg))
	}
	return readTranscripts(resp.Body)
}

// writeAudio sends pcm as signed AudioEvents, then the signed empty message that ends the stream.
func (t *Transcribe) writeAudio(w io.Writer, signer *v4.StreamSigner, pcm []int16) error {
	chunk := t.ChunkDuration
	if chunk <= 0 {
		chunk = 100 * time.Millisecond
	}
	per := max(int(chunk*voice.SampleRate/time.Second), 1)
	enc := eventstream.NewEncoder()
	buf := make([]byte, 0, 2*per)
	for off := 0; off < len(pcm); off += per {
		buf = buf[:0]
		for _, s := range pcm[off:min(off+per, len(pcm))] {
			buf = binary.LittleEndian.AppendUint16(buf, uint16(s))
		}
		var audio eventstream.Message
		audio.Headers.Set(":message-type", eventstream.StringValue("event"))
		audio.Headers.Set(":event-type", eventstream.StringValue("AudioEvent"))
		audio.Headers.Set(":content-type", eventstream.StringValue("application/octet-stream"))
		audio.Payload = buf
		var inner bytes.Buffer
		if err := enc.Encode(&inner, audio); err != nil {
			return err
		}
		if err := t.writeSigned(w, enc, signer, inner.Bytes()); err != nil {
			return err
		}
	}
	return t.writeSigned(w, enc, signer, nil)
}

// writeSigned wraps payload (an encoded message, or nothing to end the stream) in a message
// carrying :date and its :chunk-signature.
func (t *Transcribe) writeSigned(w io.Writer, enc *eventstream.Encoder, signer *v4.StreamSigner, payload []byte) error {
	date := t.now()
	var msg eventstream.Message
	msg.Headers.Set(":date", eventstream.TimestampValue(date))
	var hdr bytes.Buffer
	if err := eventstream.EncodeHeaders(&hdr, msg.Headers); err != nil {
		return err
	}
	if payload == nil {
		payload = []byte{}
	}
	sig, err := signer.GetSignature(context.Background(), hdr.Bytes(), payload, date)
	if err != nil {
		return err
	}
	msg.Headers.Set(":chunk-signature", eventstream.BytesValue(sig))
	msg.Payload = payload
	return enc.Encode(w, msg)
}

// transcriptEvent is the part of a TranscriptEvent's JSON the adapter reads.
type transcriptEvent struct {
	Transcript struct {
		Results []struct {
			IsPartial    bool
			Alternatives []struct {
				Transcript string
				Items      []struct {
					Confidence *float64
					Type       string
				}
			}
		}
	}
}

// readTranscripts decodes the answer stream: final results are joined in order; an exception
// ends it with an error.
func readTranscripts(r io.Reader) (voice.Transcript, error) {
	dec := eventstream.NewDecoder()
	payload := make([]byte, 0, 4096)
	var texts []string
	var confSum float64
	var confN int
	for {
		msg, err := dec.Decode(r, payload[:0])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return voice.Transcript{}, fmt.Errorf("transcribe: reading answer: %w", err)
		}
		if len(msg.Payload) > maxEventPayload {
			return voice.Transcript{}, fmt.Errorf("transcribe: answer event of %d bytes", len(msg.Payload))
		}
		switch header(msg, ":message-type") {
		case "event":
			if header(msg, ":event-type") != "TranscriptEvent" {
				continue
			}
			var ev transcriptEvent
			if err := json.Unmarshal(msg.Payload, &ev); err != nil {
				return voice.Transcript{}, fmt.Errorf("transcribe: TranscriptEvent: %w", err)
			}
			for _, res := range ev.Transcript.Results {
				if res.IsPartial || len(res.Alternatives) == 0 {
					continue
				}
				alt := res.Alternatives[0]
				if s := strings.TrimSpace(alt.Transcript); s != "" {
					texts = append(texts, s)
				}
				for _, it := range alt.Items {
					if it.Confidence != nil && it.Type != "punctuation" {
						confSum += *it.Confidence
						confN++
					}
				}
			}
		case "exception", "error":
			var body struct{ Message string }
			_ = json.Unmarshal(msg.Payload, &body)
			kind := header(msg, ":exception-type")
			if kind == "" {
				kind = header(msg, ":error-code")
			}
			return voice.Transcript{}, fmt.Errorf("%w: %s: %s", ErrTranscribe, kind, body.Message)
		}
	}
	tr := voice.Transcript{Text: strings.Join(texts, " ")}
	switch {
	case confN > 0:
		tr.Confidence = confSum / float64(confN)
	case tr.Text != "":
		tr.Confidence = 1
	}
	return tr, nil
}

func header(m eventstream.Message, name string) string {
	if v := m.Headers.Get(name); v != nil {
		if s, ok := v.Get().(string); ok {
			return s
		}
	}
	return ""
}
