package openapi

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
)

//go:embed openapi.json
var document []byte

// JSON returns the contract as checked in (openapi.json). Callers must not modify it.
func JSON() []byte { return document }

// ETag is the document's strong entity tag: a hash of its bytes.
var ETag = func() string {
	sum := sha256.Sum256(document)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}()

// Info is the document's title, version and introduction.
var Info = DocInfo{
	Title:   "Lingxi API",
	Version: "1",
	Description: "The HTTP API of Lingxi (灵犀): tenants and API keys, bot configuration and NLU training (the api function), " +
		"and conversations, voice turns and business events (the chat function). Send keys as `Authorization: Bearer <key>`. " +
		"Errors are RFC 9457 problem JSON (`application/problem+json`) with a stable `type` (`urn:lingxi:problem:<slug>`); " +
		"an unknown route is a 404 `urn:lingxi:problem:no-route`. Every tenant request counts against the tenant's rate limit " +
		"of its class (RateLimit, RateLimit-Policy; 429 with Retry-After). Listings page with `limit` and `cursor`: follow " +
		"`next_cursor` until it is empty. Versioned items answer an ETag; send If-Match to replace only that version, " +
		"If-None-Match: * to create only. Every POST takes an Idempotency-Key. In front of the functions, API Gateway " +
		"throttles each route and answers 429 with its own body ({\"message\":\"Too Many Requests\"}) when a route's " +
		"throttle is exceeded; those answers are not problem JSON.",
}

// DocInfo is the document's info object.
type DocInfo struct{ Title, Version, Description string }
