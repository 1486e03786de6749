package edge

import (
	"context"
	"slices"
	"time"

	"github.com/lingxi/lingxi/media-edge/call"
	"github.com/lingxi/lingxi/media-edge/media"
	"github.com/lingxi/lingxi/media-edge/turns"
	"github.com/lingxi/lingxi/media-edge/voice"
	"github.com/lingxi/lingxi/media-edge/voice/vad"
	"github.com/lingxi/lingxi/shared/tenant"
)

// The adapters below fit the engines and clients to the small interfaces the call owns.

// ear is the voice activity detector as the navigator hears it.
type ear struct{ d *vad.Detector }

// Ear fits a detector to the call's Ear (the bench assembles calls as the edge does).
func Ear(d *vad.Detector) call.Ear { return ear{d} }

var _ call.Ear = ear{}

func (e ear) Push(caller, played *[media.FrameSamples]int16) call.Heard {
	ev := e.d.Push(caller, played)
	h := call.Heard{Start: time.Duration(ev.StartMS) * time.Millisecond, End: time.Duration(ev.EndMS) * time.Millisecond}
	switch ev.Kind {
	case vad.SpeechStart:
		h.Speech = call.SpeechStart
	case vad.SpeechEnd:
		h.Speech = call.SpeechEnd
	case vad.BargeIn:
		h.Speech = call.BargeIn
	}
	return h
}

func (e ear) Utterance() []int16 { return e.d.Utterance() }

// EndNow ends an utterance in progress: the keys completed the input; the navigator has already
// sent the turn.
func (e ear) EndNow() { e.d.EndNow() }
func (e ear) Reset()  { e.d.Reset() }

type recognizer struct {
	r voice.Recognizer
	// langs are the languages the engine recognises.
	langs []string
}

func (r recognizer) Hears(lang string) bool { return slices.Contains(r.langs, lang) }

func (r recognizer) Recognize(ctx context.Context, pcm []int16, lang string, hints []string) (string, float64, error) {
	t, err := r.r.Recognize(ctx, pcm, lang, hints)
	return t.Text, t.Confidence, err
}

type prompts struct{ c *voice.PromptCache }

// Prompts fits a prompt cache to the call's Prompts (the bench assembles calls as the edge does).
func Prompts(c *voice.PromptCache) call.Prompts { return prompts{c} }

func (p prompts) Prompt(ctx context.Context, text, lang string) ([]int16, error) {
	return p.c.Synthesize(ctx, text, lang)
}

type bot struct{ c *turns.Client }

func (b bot) Turn(ctx context.Context, t tenant.ID, in call.BotInput) (call.BotReply, error) {
	r, err := b.c.Turn(ctx, t, turns.Input{
		CallID: in.CallID, Caller: in.Caller, Dialled: in.Dialled, Language: in.Language,
		Text: in.Text, DTMF: in.DTMF, Confidence: in.Confidence,
	})
	if err != nil {
		return call.BotReply{}, err
	}
	out := call.BotReply{Language: r.Language, Actions: r.Actions}
	return out, nil
}
