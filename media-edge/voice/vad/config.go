package vad

import (
	"time"

	"github.com/lingxi/lingxi/media-edge/media"
)

// FrameSamples is one 20 ms frame of 8 kHz audio, the unit of Push.
const FrameSamples = media.FrameSamples

// frameMS is the length of one frame in milliseconds.
const frameMS = 20

// Config tunes the detector. The zero value of each field takes its default (see Defaults).
type Config struct {
	// EndSilence is the endpointing silence: the utterance ends after this long without speech.
	EndSilence time.Duration
	// MinSpeech is the shortest speech that counts; shorter bursts (a click, a cough) are ignored.
	MinSpeech time.Duration
	// PreRoll is how much audio before the detected start Utterance keeps for the recogniser.
	PreRoll time.Duration
	// MaxSpeech ends an utterance that runs this long, so memory stays bounded.
	MaxSpeech time.Duration
	// Threshold is the mean per-band log likelihood ratio above which a frame is active; the
	// sustaining threshold is 0.4 of it. Both rise with the spread of the noise's own scores. Higher is less sensitive.
	Threshold float64
	// BargeIn tunes speech over a playing prompt.
	BargeIn BargeInConfig
}

// BargeInConfig tunes the detection of speech over a prompt.
type BargeInConfig struct {
	// Disabled turns the echo canceller off: speech over a prompt is then reported as SpeechStart
	// like any other, and the prompt's echo is treated as caller audio.
	Disabled bool
	// MinSpeech is the shortest speech over a prompt that raises BargeIn (longer than MinSpeech by
	// default: stopping a prompt for a cough is worse than a short delay).
	MinSpeech time.Duration
	// EchoTail is the longest echo path the canceller models (network delay plus the echo's spread).
	EchoTail time.Duration
	// MarginDB is how far the echo-cancelled audio must rise above the loudest echo the line can
	// return (the tracked echo return loss times the loudest recent prompt frame) to count as the
	// caller's speech.
	MarginDB float64
}

// Defaults returns the configuration used for every zero field.
func Defaults() Config {
	return Config{
		EndSilence: 600 * time.Millisecond,
		MinSpeech:  80 * time.Millisecond,
		PreRoll:    200 * time.Millisecond,
		MaxSpeech:  30 * time.Second,
		Threshold:  0.9,
		BargeIn: BargeInConfig{
			MinSpeech: 120 * time.Millisecond,
			EchoTail:  72 * time.Millisecond,
			MarginDB:  3,
		},
	}
}

func (c Config) withDefaults() Config {
	d := Defaults()
	if c.EndSilence <= 0 {
		c.EndSilence = d.EndSilence
	}
	if c.MinSpeech <= 0 {
		c.MinSpeech = d.MinSpeech
	}
	if c.PreRoll <= 0 {
		c.PreRoll = d.PreRoll
	}
	if c.MaxSpeech <= 0 {
		c.MaxSpeech = d.MaxSpeech
	}
	if c.Threshold <= 0 {
		c.Threshold = d.Threshold
	}
	if c.BargeIn.MinSpeech <= 0 {
		c.BargeIn.MinSpeech = d.BargeIn.MinSpeech
	}
	if c.BargeIn.EchoTail <= 0 {
		c.BargeIn.EchoTail = d.BargeIn.EchoTail
	}
	if c.BargeIn.MarginDB <= 0 {
		c.BargeIn.MarginDB = d.BargeIn.MarginDB
	}
	return c
}

// frames converts a duration to whole frames, at least one.
func frames(d time.Duration) int {
	n := int((d + frameMS*time.Millisecond/2) / (frameMS * time.Millisecond))
	return max(n, 1)
}
