// Package vad finds speech in 8 kHz telephone audio, 20 ms at a time, and decides when the caller
// has finished speaking (endpointing) and when the caller speaks over a prompt (barge-in).
//
// Files, one concern each:
//
//	config.go    Config and its defaults
//	detector.go  Detector: the per-frame state machine (start, hangover, end, barge-in, utterance audio)
//	spectrum.go  per-frame sub-band powers (windowed FFT) and the statistical-model likelihood ratio
//	noise.go     the per-band noise tracker (speech-presence-weighted smoothing plus minimum statistics)
//	echo.go      the NLMS echo canceller on the played prompt and its residual-echo estimate
//	segments.go  Segment, Segments (offline), and the energy-threshold baseline for the bench
//	score.go     Score: utterances found once, missed, duplicated, boundary errors, false segments
//
// The speech decision follows Sohn, Kim and Sung (1999), "A statistical model-based voice activity
// detector": per band, the a-posteriori SNR γ and a decision-directed a-priori SNR ξ give the log
// likelihood ratio γξ/(1+ξ) − ln(1+ξ) of speech over noise; the frame's score is the mean over
// the bands. A frame is "active" above a high threshold and "voiced" above a low one; speech starts
// after MinSpeech of voiced frames with enough active ones and is dated back to the first voiced
// frame; it ends after EndSilence without a voiced frame and is dated to the last voiced one.
package vad
