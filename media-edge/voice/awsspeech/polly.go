package awsspeech

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/polly"
	"github.com/aws/aws-sdk-go-v2/service/polly/types"

	"github.com/lingxi/lingxi/media-edge/voice"
)

// PollyAPI is the part of the Polly client the adapter uses.
type PollyAPI interface {
	SynthesizeSpeech(ctx context.Context, in *polly.SynthesizeSpeechInput, optFns ...func(*polly.Options)) (*polly.SynthesizeSpeechOutput, error)
}

var _ PollyAPI = (*polly.Client)(nil)

// PollyVoice is the voice and engine used for one language.
type PollyVoice struct {
	Voice        types.VoiceId
	Engine       types.Engine
	LanguageCode types.LanguageCode
}

// DefaultPollyVoices: Zhiyu (Mandarin, neural) and Joanna (US English, neural).
func DefaultPollyVoices() map[string]PollyVoice {
	return map[string]PollyVoice{
		"zh": {Voice: types.VoiceIdZhiyu, Engine: types.EngineNeural, LanguageCode: types.LanguageCodeCmnCn},
		"en": {Voice: types.VoiceIdJoanna, Engine: types.EngineNeural, LanguageCode: types.LanguageCodeEnUs},
	}
}

// Polly synthesises with Amazon Polly: signed 16-bit little-endian PCM at 8000 Hz, mono.
type Polly struct {
	Client PollyAPI
	// Voices by language ("zh", "en"); DefaultPollyVoices when nil.
	Voices map[string]PollyVoice
}

var _ voice.Synthesizer = (*Polly)(nil)

// maxPollyAudio bounds what one answer may hold: Polly's own limit is 3,000 billed characters,
// a few minutes of speech; 10 minutes of 8 kHz audio is 9.6 MB.
const maxPollyAudio = 10 * 60 * voice.SampleRate * 2

// Synthesize asks Polly for text in lang. Text starting with "<speak>" is sent as SSML.
func (p *Polly) Synthesize(ctx context.Context, text, lang string) ([]int16, error) {
	voices := p.Voices
	if voices == nil {
		voices = DefaultPollyVoices()
	}
	v, ok := voices[baseLang(lang)]
	if !ok {
		return nil, fmt.Errorf("polly %q: %w", lang, voice.ErrUnsupportedLanguage)
	}
	in := &polly.SynthesizeSpeechInput{
		Text:         aws.String(text),
		OutputFormat: types.OutputFormatPcm,
		SampleRate:   aws.String("8000"),
		VoiceId:      v.Voice,
		Engine:       v.Engine,
		LanguageCode: v.LanguageCode,
		TextType:     types.TextTypeText,
	}
	if strings.HasPrefix(strings.TrimSpace(text), "<speak>") {
		in.TextType = types.TextTypeSsml
	}
	out, err := p.Client.SynthesizeSpeech(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("polly synthesize (%s): %w", v.Voice, err)
	}
	defer out.AudioStream.Close()
	if ct := aws.ToString(out.ContentType); ct != "" && ct != "audio/pcm" {
		return nil, fmt.Errorf("polly synthesize (%s): content type %q, want audio/pcm", v.Voice, ct)
	}
	raw, err := io.ReadAll(io.LimitReader(out.AudioStream, maxPollyAudio+1))
	if err != nil {
		return nil, fmt.Errorf("polly synthesize (%s): reading audio: %w", v.Voice, err)
	}
	if len(raw) > maxPollyAudio {
		return nil, fmt.Errorf("polly synthesize (%s): more than %d bytes of audio", v.Voice, maxPollyAudio)
	}
	pcm := make([]int16, len(raw)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
	}
	return pcm, nil
}

// baseLang returns the language subtag, lower-cased: "zh-CN" → "zh".
func baseLang(tag string) string {
	l, _, _ := strings.Cut(strings.ToLower(tag), "-")
	l, _, _ = strings.Cut(l, "_")
	return l
}
