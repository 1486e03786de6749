package handler

import "github.com/lingxi/lingxi/shared/httpapi"

// WithRateLimiter takes every tenant-key request from the tenant's rate limit of its route's
// class: training for POST /v1/nlu/train, reads for GET, the chat class for the human service's
// runtime writes (floorWrites), configuration writes for the rest (the
// webhook routes included: managing endpoints, rotating secrets and replays are writes). The
// platform admin's routes are not limited (API Gateway's stage throttling covers them).
func WithRateLimiter(l httpapi.RateLimiter) Option {
	return func(api *API) { api.router.SetRateLimiter(l, routeClass) }
}

func routeClass(route string) httpapi.RateClass {
	if route == "POST /v1/nlu/train" {
		return httpapi.RateTrain
	}
	if floorWrites[route] {
		return httpapi.RateChat
	}
	return httpapi.ClassByMethod(httpapi.RateConfig)(route)
}
