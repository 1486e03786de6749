// Package voice holds what the media edge hears and says with: the two speech-engine interfaces
// (Recognizer, Synthesizer), the prompt cache in front of a Synthesizer, and a resampler. The
// engines live in sub-packages: local (pocketsphinx, espeak-ng: the Debian packages the local stack
// installs) and awsspeech (Amazon Transcribe streaming, Amazon Polly); the voice activity detector
// in vad; WAV files in wav.
package voice

import (
	"context"
	"errors"
)

// SampleRate is the rate of every audio slice this package and its engines take and return.
const SampleRate = 8000

// Transcript is what a recogniser heard.
type Transcript struct {
	Text string
	// Confidence is in [0, 1]; engines that give none report 1 for a non-empty text.
	Confidence float64
}

// Recognizer turns one utterance (8 kHz mono int16) into text. lang is "en" or "zh" (a BCP 47
// tag's language); hints are the phrases the dialogue expects (a gather's hints): engines that
// can, constrain recognition to them.
type Recognizer interface {
	Recognize(ctx context.Context, pcm []int16, lang string, hints []string) (Transcript, error)
}

// Synthesizer turns text into 8 kHz mono int16 audio.
type Synthesizer interface {
	Synthesize(ctx context.Context, text, lang string) ([]int16, error)
}

// ErrUnsupportedLanguage is wrapped by engines asked for a language they do not have (the local
// recogniser has no Chinese model): the caller falls back to DTMF.
var ErrUnsupportedLanguage = errors.New("voice: language not supported by this engine")

// RecognizerFunc and SynthesizerFunc adapt functions, for tests and small wrappers.
type (
	RecognizerFunc  func(ctx context.Context, pcm []int16, lang string, hints []string) (Transcript, error)
	SynthesizerFunc func(ctx context.Context, text, lang string) ([]int16, error)
)

// Recognize calls f.
func (f RecognizerFunc) Recognize(ctx context.Context, pcm []int16, lang string, hints []string) (Transcript, error) {
	return f(ctx, pcm, lang, hints)
}

// Synthesize calls f.
func (f SynthesizerFunc) Synthesize(ctx context.Context, text, lang string) ([]int16, error) {
	return f(ctx, text, lang)
}
