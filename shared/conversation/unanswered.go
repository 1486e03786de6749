package conversation

import (
	"context"
	"time"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/tenant"
)

// sayUnanswered is what the bot says when no person answered a handoff in time.
var sayUnanswered = botconfig.Text{
	botconfig.LangZH: "抱歉，目前没有人工客服可以接待您。本次对话已结束，请稍后再联系我们。",
	botconfig.LangEN: "Sorry, no one on our team is free to answer you now. This conversation has ended; please contact us again later.",
}

// EndUnanswered ends handed-off conversation id of t whose contact waited its queue's longest wait
// with no person free (shared/floor abandons it, reason max_wait): the bot says so (chat.message)
// and the conversation ends (contact.ended, outcome handed_off), so the customer is not left
// writing to no one. ErrEnded when it ended already, ErrNotHandedOff when the bot holds it.
func (s *Service) EndUnanswered(ctx context.Context, t tenant.ID, id string) (Reply, error) {
	return s.update(ctx, t, id, "", func(c *Conversation, set botconfig.Settings, now time.Time) (*decision, error) {
		if c.State != StateHandoff {
			return nil, ErrNotHandedOff
		}
		d := newDecision(newLoaded(t, set, s.minMatch, s.minConf), c, now)
		d.say(say(sayUnanswered, c.Language))
		d.end()
		return d, nil
	})
}
