package vad

import (
	"slices"
	"time"
)

// Result scores detected segments against labelled ones.
type Result struct {
	Truth int // labelled utterances
	// Found: utterances overlapped by exactly one detected segment that overlaps no other utterance.
	Found int
	// Missed: utterances no detected segment overlaps.
	Missed int
	// Duplicates: utterances overlapped by more than one detected segment.
	Duplicates int
	// Merged: utterances whose one segment also covers another utterance.
	Merged int
	// OutOfTolerance: found utterances with a start or end error above the tolerance.
	OutOfTolerance int
	// BoundaryErrors: the absolute start and end errors of every found utterance (two per utterance).
	BoundaryErrors []time.Duration
	// FalseSegments: detected segments that overlap no utterance (each widened by the tolerance).
	FalseSegments int
	// FalsePerMinute: false segments per minute of audio outside the utterances.
	FalsePerMinute float64
}

// Score matches detected segments to the truth. Overlap is judged with each utterance widened by
// tolerance on both sides; total is the length of the audio, for the false-alarm rate.
func Score(segments, truth []Segment, tolerance, total time.Duration) Result {
	tol := tolerance.Milliseconds()
	r := Result{Truth: len(truth)}
	used := make([]int, len(segments)) // how many utterances each segment overlaps
	hits := make([][]int, len(truth))
	for i, u := range truth {
		for j, s := range segments {
			if s.StartMS < u.EndMS+tol && s.EndMS > u.StartMS-tol {
				hits[i] = append(hits[i], j)
				used[j]++
			}
		}
	}
	var speech int64
	for i, u := range truth {
		speech += u.EndMS - u.StartMS
		switch {
		case len(hits[i]) == 0:
			r.Missed++
		case len(hits[i]) > 1:
			r.Duplicates++
		case used[hits[i][0]] > 1:
			r.Merged++
		default:
			r.Found++
			s := segments[hits[i][0]]
			es, ee := abs(s.StartMS-u.StartMS), abs(s.EndMS-u.EndMS)
			r.BoundaryErrors = append(r.BoundaryErrors, time.Duration(es)*time.Millisecond, time.Duration(ee)*time.Millisecond)
			if es > tol || ee > tol {
				r.OutOfTolerance++
			}
		}
	}
	for _, n := range used {
		if n == 0 {
			r.FalseSegments++
		}
	}
	if quiet := total - time.Duration(speech)*time.Millisecond; quiet > 0 {
		r.FalsePerMinute = float64(r.FalseSegments) / quiet.Minutes()
	}
	return r
}

// Percentile returns the p-th percentile (0–100, nearest rank) of ds; 0 when empty.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(p/100*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
