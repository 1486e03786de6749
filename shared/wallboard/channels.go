package wallboard

import (
	"time"

	"github.com/lingxi/lingxi/events"
)

// channels.go: the live floor per channel, for readers that need more than the board's per-queue
// figures (the dispatch engine's perception, shared/steering). Additive: the fold is unchanged.

// ChannelWait is the contacts waiting in one queue on one channel.
type ChannelWait struct {
	// Waiting counts the contacts queued or being offered now.
	Waiting int
	// LongestWaitSeconds is the oldest one's wait at the time asked.
	LongestWaitSeconds int
}

// WaitingByChannel returns, for queue, the contacts waiting now per channel and the longest wait
// at now. A contact whose channel the events did not say (a state written before contacts kept
// their channel) counts under chat: the board counts it as waiting, so the engine must too.
func (s *State) WaitingByChannel(queue string, now time.Time) map[events.Channel]ChannelWait {
	out := map[events.Channel]ChannelWait{}
	for _, c := range s.d.Contacts {
		if c.Queue != queue || !c.waiting() {
			continue
		}
		ch := c.Channel
		if ch == "" {
			ch = events.ChannelChat
		}
		w := out[ch]
		w.Waiting++
		if wait := seconds(now.Sub(c.EnqueuedAt)); wait > w.LongestWaitSeconds {
			w.LongestWaitSeconds = wait
		}
		out[ch] = w
	}
	return out
}
