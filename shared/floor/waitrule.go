package floor

import "time"

// WaitRule is how long a queue's contacts wait for an agent and what happens then (ExpireWaitBy):
// kept queued for a callback, or abandoned.
type WaitRule struct {
	// MaxWait is the longest wait (0: no limit).
	MaxWait time.Duration
	// Callback keeps a contact that waited MaxWait queued with callback_offered=true.
	Callback bool
	// Attributes are added to a contact kept for a callback (say callback_promised_by).
	Attributes map[string]string
}

// WaitRule is q's own rule: its MaxWaitSeconds and Callback.
func (q Queue) WaitRule() WaitRule {
	return WaitRule{MaxWait: time.Duration(q.MaxWaitSeconds) * time.Second, Callback: q.Callback}
}
