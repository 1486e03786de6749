package conversation

// quota.go: live conversations count against the tenant's quota (shared/quota): one more when a
// conversation starts, one fewer when it ends, each in the transaction of that turn.

import (
	"context"

	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Quota counts a tenant's live conversations; *quota.Ledger is one.
type Quota interface {
	Count(ctx context.Context, t tenant.ID, r quota.Resource, n int64) (quota.Counted, error)
	Refused(ctx context.Context, t tenant.ID, c quota.Counted, err error) error
}

var _ Quota = (*quota.Ledger)(nil)

// countLive returns the op that counts n more (n > 0, bounded by the quota) or fewer live
// conversations of t, or nothing when the service has no Quota.
func (s *Service) countLive(ctx context.Context, t tenant.ID, n int64) (quota.Counted, error) {
	if s.quota == nil || n == 0 {
		return quota.Counted{}, nil
	}
	return s.quota.Count(ctx, t, quota.LiveConversations, n)
}

// liveRefused returns the quota-exceeded error (an *httpapi.Error the chat function shows as is)
// if err is the failure of c's bound, else nil.
func (s *Service) liveRefused(ctx context.Context, t tenant.ID, c quota.Counted, err error) error {
	if s.quota == nil {
		return nil
	}
	return s.quota.Refused(ctx, t, c, err)
}

// withCount puts c's op first in ops.
func withCount(c quota.Counted, ops ...store.Op) []store.Op { return append(c.Ops, ops...) }

// opened is how many live conversations a first decision adds: 1, or 0 if it ended the conversation
// at once.
func opened(d *decision) int64 {
	if d.ended {
		return 0
	}
	return 1
}

// closed is how many live conversations a later turn removes: 1 if it ended the conversation.
func closed(d *decision) int64 {
	if d.ended {
		return 1
	}
	return 0
}
