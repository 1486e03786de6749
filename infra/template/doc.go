// Package template holds the tests that keep template.yaml, the deployable truth, honest: code
// folders that build, environment variables that name declared resources, stream consumers that
// cannot block a shard, least-privilege policies, and HTTP routes that match the handlers.
package template
