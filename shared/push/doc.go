// Package push delivers server messages to the WebSocket connections of the agents API
// (functions/agents): who is connected (registry.go) and sending to them through API Gateway's
// @connections API with the real apigatewaymanagementapi client (sender.go).
//
// A connection is registered at $connect and removed at $disconnect, or by the sender when API
// Gateway answers 410 Gone (the client left without a $disconnect reaching us). Connection items
// carry a TTL of ConnTTL, API Gateway's own limit on a connection's life, so a lost $disconnect
// leaves nothing behind for long.
package push
