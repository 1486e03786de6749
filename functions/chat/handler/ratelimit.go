package handler

import "github.com/lingxi/lingxi/shared/httpapi"

// WithRateLimiter takes every request from the tenant's rate limit: chat turns for the POST routes
// (conversation starts, messages, ends, voice turns and business events), reads for GET. The media
// edge's voice turns invoked directly (invoke.go) count as chat turns too.
func WithRateLimiter(l httpapi.RateLimiter) Option {
	return func(api *API) {
		api.limiter = l
		api.router.SetRateLimiter(l, httpapi.ClassByMethod(httpapi.RateChat))
	}
}
