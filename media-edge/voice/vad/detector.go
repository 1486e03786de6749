package vad

import (
	"math"
	"time"
)

// Kind says what a frame changed.
type Kind uint8

// The events Push returns.
const (
	None        Kind = iota
	SpeechStart      // the caller started speaking (no prompt was playing)
	SpeechEnd        // the utterance ended: after EndSilence of silence, at MaxSpeech, or by EndNow
	BargeIn          // the caller started speaking over a playing prompt: stop the prompt
)

func (k Kind) String() string {
	switch k {
	case SpeechStart:
		return "speech-start"
	case SpeechEnd:
		return "speech-end"
	case BargeIn:
		return "barge-in"
	}
	return "none"
}

// Event is what one Push decided. StartMS and EndMS are the speech's own boundaries in
// milliseconds of stream time (frames pushed since NewDetector or Reset): the endpointing silence
// is not part of them. EndMS is set on SpeechEnd only.
type Event struct {
	Kind    Kind
	StartMS int64
	EndMS   int64
}

// Detector is one call's voice activity detector. It is not safe for concurrent use: the call's
// media goroutine owns it.
type Detector struct {
	cfg Config

	endFrames, minFrames, bargeFrames, maxFrames, preFrames, postFrames int
	high, low                                                           float64

	an    *analyser
	lr    likelihood
	noise noiseTracker
	level levelTracker
	echo  *canceller

	t int64 // index of the frame being pushed

	// the score's mean and variance outside speech: fluctuating noise (babble) raises the thresholds
	scoreMean, scoreVar float64

	// silence state: the run of consecutive voiced frames ending now
	run, runActive int
	runScores      []float64
	prevVoiced     bool
	// speech state
	inSpeech   bool
	start      int64
	lastVoiced int64
	barged     bool
	endPending bool // EndNow ended speech; nothing more to report

	ring      [][FrameSamples]int16 // the last frames of (echo-cancelled) audio, for pre-roll
	rawVoiced []bool                // per ring slot: voiced by the residual's score alone
	ringPos   int
	cur       []int16 // the utterance in progress
	last      []int16 // the last finished utterance

	mic, res [FrameSamples]float64
	bands    [numBands]float64
}

// NewDetector returns a detector; zero fields of c take their defaults.
func NewDetector(c Config) *Detector {
	c = c.withDefaults()
	d := &Detector{
		cfg:         c,
		endFrames:   frames(c.EndSilence),
		minFrames:   frames(c.MinSpeech),
		bargeFrames: frames(c.BargeIn.MinSpeech),
		maxFrames:   frames(c.MaxSpeech),
		preFrames:   frames(c.PreRoll),
		postFrames:  3,
		high:        c.Threshold,
		low:         c.Threshold * 0.4,
		an:          newAnalyser(),
	}
	if !c.BargeIn.Disabled {
		d.echo = newCanceller(int(c.BargeIn.EchoTail / (time.Second / 8000)))
	}
	// The ring holds the pre-roll and the longest run a start can be dated back over.
	d.ring = make([][FrameSamples]int16, d.preFrames+2*max(d.minFrames, d.bargeFrames)+d.endFrames+2)
	d.rawVoiced = make([]bool, len(d.ring))
	d.Reset()
	return d
}

// Reset forgets everything: stream time restarts at 0.
func (d *Detector) Reset() {
	d.an.reset()
	d.lr.reset()
	d.noise.reset()
	d.level.reset()
	if d.echo != nil {
		d.echo.reset()
	}
	d.t = 0
	d.scoreMean, d.scoreVar = 0, 0
	d.run, d.runActive, d.runScores = 0, 0, d.runScores[:0]
	d.inSpeech, d.barged, d.endPending, d.prevVoiced = false, false, false, false
	clear(d.ring)
	clear(d.rawVoiced)
	d.ringPos = 0
	d.cur = d.cur[:0]
	d.last = nil
}

// Push takes the caller's frame and the frame the edge played at the same tick (nil when
// nothing plays) and says whether speech started, ended, or barged in on the prompt.
func (d *Detector) Push(caller, played *[FrameSamples]int16) Event {
	t := d.t
	d.t++
	for i, s := range caller {
		d.mic[i] = float64(s)
	}
	promptOn, refTail := false, 0.0
	if d.echo != nil {
		refTail = d.echo.process(&d.mic, &d.res, played, !d.inSpeech && d.run == 0)
		promptOn = d.echo.active
	} else {
		d.res = d.mic
	}
	pMic := framePower(&d.mic)
	pRes := d.an.bandPowers(&d.res, &d.bands)
	score := d.lr.score(&d.bands, &d.noise.level)
	high, low := d.thresholds()
	active, voiced := score > high, score > low
	// The frame must also stand above the noise's level by more than the noise itself wanders.
	levelDB := 10 * math.Log10(pRes+1)
	if mean, sd, ok := d.level.noise(); ok {
		above, wander := levelDB-mean, max(sd-steadySD, 0)
		active = active && above > levelActiveSDs*wander
		voiced = voiced && above > levelVoicedSDs*wander
	}
	d.level.add(levelDB)
	noisePw := d.noise.power()
	quiet := voiced || d.inSpeech
	d.rawVoiced[d.slot(t)] = voiced
	if promptOn {
		// Over a prompt the residual must also stand clear of the loudest echo the line can return:
		// what the canceller leaves of the echo stays below that, the caller's voice does not.
		clear := pRes > dbToPower(d.cfg.BargeIn.MarginDB)*d.echo.echoBound(refTail)+noisePw
		active, voiced = active && clear, voiced && clear
		if !clear {
			d.echo.learn(pMic, refTail, noisePw)
		}
		// Echo left in the residual is not line noise: let the noise estimate only fall.
		quiet = true
	}
	d.noise.update(&d.bands, quiet)
	d.keep(t)

	prevVoiced := d.prevVoiced
	d.prevVoiced = voiced
	if d.inSpeech {
		// Two voiced frames in a row keep the utterance going: a lone noise spike does not.
		if voiced && prevVoiced {
			d.lastVoiced = t
		}
		if !active {
			d.learnScore(score)
		}
		d.cur = append(d.cur, d.ring[d.slot(t)][:]...)
		if t-d.lastVoiced >= int64(d.endFrames) || t-d.start+1 >= int64(d.maxFrames) {
			return d.finish(d.lastVoiced + 1)
		}
		return Event{}
	}
	if !voiced {
		// The run (if any) did not become speech: its scores were the noise's.
		for _, s := range d.runScores {
			d.learnScore(s)
		}
		d.learnScore(score)
		d.run, d.runActive, d.runScores = 0, 0, d.runScores[:0]
		return Event{}
	}
	d.run++
	d.runScores = append(d.runScores, score)
	if active {
		d.runActive++
	}
	need := d.minFrames
	if promptOn {
		need = d.bargeFrames
	}
	if d.run < need || d.runActive < (need+1)/2 {
		return Event{}
	}
	d.inSpeech, d.endPending = true, false
	d.start = t - int64(d.run) + 1
	if promptOn {
		// Over a prompt the onset's first frames may sit under the echo bound: date the start back
		// over frames the residual alone calls speech, at most half a barge-in's length.
		for k := int64(1); k <= int64(d.bargeFrames/2) && d.start-1 >= 0 && d.rawVoiced[d.slot(d.start-1)]; k++ {
			d.start--
		}
	}
	d.lastVoiced = t
	d.barged = promptOn
	d.cur = d.cur[:0]
	from := max(d.start-int64(d.preFrames), t-int64(len(d.ring))+1, 0)
	for f := from; f <= t; f++ {
		d.cur = append(d.cur, d.ring[d.slot(f)][:]...)
	}
	d.run, d.runActive, d.runScores = 0, 0, d.runScores[:0]
	kind := SpeechStart
	if promptOn {
		kind = BargeIn
	}
	return Event{Kind: kind, StartMS: d.start * frameMS}
}

// EndNow ends the utterance in progress at once (the expected input is complete: a DTMF length
// or a matched grammar). It returns the SpeechEnd event, or None when no speech was in progress;
// Utterance then returns the audio up to now.
func (d *Detector) EndNow() Event {
	if !d.inSpeech {
		return Event{}
	}
	return d.finish(d.t)
}

// Utterance returns the audio of the last finished utterance (echo removed), from PreRoll before
// its start to a little after its end. The slice is the caller's.
func (d *Detector) Utterance() []int16 { return d.last }

// Speaking reports whether an utterance is in progress.
func (d *Detector) Speaking() bool { return d.inSpeech }

func (d *Detector) finish(endFrame int64) Event {
	// cur starts at frame (start − pre-roll, bounded by what the ring held); keep a little after the end.
	keepFrames := int64(len(d.cur)/FrameSamples) - (d.t - 1 - (endFrame - 1)) + int64(d.postFrames)
	keepFrames = min(max(keepFrames, 0), int64(len(d.cur)/FrameSamples))
	d.last = append([]int16(nil), d.cur[:keepFrames*FrameSamples]...)
	d.cur = d.cur[:0]
	d.inSpeech = false
	d.run, d.runActive, d.runScores = 0, 0, d.runScores[:0]
	return Event{Kind: SpeechEnd, StartMS: d.start * frameMS, EndMS: endFrame * frameMS}
}

// How far above the noise's mean level a frame must be to be active or voiced, in multiples of how
// much the noise's frame power wanders beyond that of steady noise (20 ms frames of white noise
// spread by about 0.5 dB; a babble of voices by several).
const (
	steadySD       = 0.3
	levelActiveSDs = 4
	levelVoicedSDs = 2.5
)

// thresholds returns the active and voiced thresholds: the configured ones, raised when the
// noise's own scores fluctuate (a babble of voices scores like weak speech now and then).
func (d *Detector) thresholds() (high, low float64) {
	sd := math.Sqrt(d.scoreVar)
	return max(d.high, d.scoreMean+4*sd), max(d.low, d.scoreMean+2*sd)
}

// learnScore folds a frame's score, outside speech, into the noise's score statistics (about 2 s).
func (d *Detector) learnScore(s float64) {
	const a = 0.01
	s = min(s, d.high*2) // a missed onset must not teach the detector that speech is noise
	dev := s - d.scoreMean
	d.scoreMean += a * dev
	d.scoreVar = (1 - a) * (d.scoreVar + a*dev*dev)
}

func (d *Detector) slot(t int64) int { return int(t % int64(len(d.ring))) }

// keep stores frame t's (echo-cancelled) audio in the ring.
func (d *Detector) keep(t int64) {
	f := &d.ring[d.slot(t)]
	for i, v := range d.res {
		f[i] = clip16(v)
	}
}

func framePower(x *[FrameSamples]float64) float64 {
	var p float64
	for _, v := range x {
		p += v * v
	}
	return p / FrameSamples
}

func clip16(v float64) int16 {
	switch {
	case v > 32767:
		return 32767
	case v < -32768:
		return -32768
	}
	return int16(v)
}
