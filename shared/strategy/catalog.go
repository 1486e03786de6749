package strategy

import (
	"sort"
	"strings"
)

// Spec describes one strategy of the catalog: what it does, where it acts, its experience cost
// and how long one activation may last by default.
type Spec struct {
	Kind        Kind   `json:"kind"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// Channels are the channels whose load it acts on.
	Channels []string `json:"channels"`
	// CostPerCustomer is the experience cost per customer touched (0: none; 1: a customer who
	// does not get what they asked for); FixedCost is a cost per hour in force, whoever is touched
	// (staff disturbed, outbound work lost).
	CostPerCustomer float64 `json:"cost_per_customer"`
	FixedCost       float64 `json:"fixed_cost"`
	// DefaultMaxMinutes bounds one activation unless the tenant's settings say otherwise.
	DefaultMaxMinutes int `json:"default_max_minutes"`
	// Executor is the part of the platform that applies it.
	Executor string `json:"executor"`
}

// catalog is the fixed order of the strategies (events' order).
var catalog = [...]Spec{
	{
		Kind: Divert, Name: "Divert to self-service",
		Description: "Offers a share of voice callers self-service in chat or the app: an announcement with a link the tenant's webhook sends by SMS; those who take it leave the voice queue.",
		Channels:    []string{Voice}, CostPerCustomer: 0.4, DefaultMaxMinutes: 120, Executor: "media-edge",
	},
	{
		Kind: BotFirst, Name: "Bot first",
		Description: "For intents the bot resolves well (60 % or more), the bot answers a first request for a person in chat, saying the wait; asking again reaches a person.",
		Channels:    []string{Chat}, CostPerCustomer: 0.5, DefaultMaxMinutes: 120, Executor: "bot",
	},
	{
		Kind: Callback, Name: "Offer callbacks",
		Description: "Callers who have waited past a threshold are offered to be called back by a promised time (press 1); those who accept leave the queue and are called back after the peak.",
		Channels:    []string{Voice}, CostPerCustomer: 0.3, DefaultMaxMinutes: 180, Executor: "media-edge, dispatch",
	},
	{
		Kind: Overflow, Name: "Overflow to backup skills",
		Description: "Agents with the queue's backup skills (or its overflow queues) take its contacts at once instead of after the configured delay.",
		Channels:    []string{Voice, Chat}, CostPerCustomer: 0.05, FixedCost: 1, DefaultMaxMinutes: 120, Executor: "dispatch",
	},
	{
		Kind: AnnounceWait, Name: "Announce the expected wait",
		Description: "Customers joining the queue are told the expected wait; a few who would give up anyway leave at once, the others know what to expect.",
		Channels:    []string{Voice, Chat}, CostPerCustomer: 0.01, DefaultMaxMinutes: 240, Executor: "media-edge, bot",
	},
	{
		Kind: PauseOutbound, Name: "Pause outbound campaigns",
		Description: "Outbound campaigns pause so their agents take inbound contacts.",
		Channels:    []string{Voice, Chat}, FixedCost: 4, DefaultMaxMinutes: 120, Executor: "steering (outbound campaigns)",
	},
	{
		Kind: MoveAgents, Name: "Move multi-skilled agents to voice",
		Description: "Agents skilled for both channels get no new chats, so they take calls.",
		Channels:    []string{Voice}, CostPerCustomer: 0.2, DefaultMaxMinutes: 120, Executor: "dispatch",
	},
	{
		Kind: CallIn, Name: "Call in on-call staff",
		Description: "The tenant's on-call staff are notified to sign in; about half come, some 30 minutes later.",
		Channels:    []string{Voice, Chat}, FixedCost: 10, DefaultMaxMinutes: 240, Executor: "steering (push notification)",
	},
}

// Catalog returns every strategy, in a fixed order (a copy).
func Catalog() []Spec {
	out := make([]Spec, len(catalog))
	for i, sp := range catalog {
		sp.Channels = append([]string(nil), sp.Channels...)
		out[i] = sp
	}
	return out
}

// specOf returns k's spec.
func specOf(k Kind) (Spec, bool) {
	i := kindIndex(k)
	if i < 0 {
		return Spec{}, false
	}
	return catalog[i], true
}

// kindIndex is k's position in the catalog, -1 for an unknown kind.
func kindIndex(k Kind) int {
	for i := range catalog {
		if catalog[i].Kind == k {
			return i
		}
	}
	return -1
}

// Known reports whether k is a strategy of the catalog.
func Known(k Kind) bool { return kindIndex(k) >= 0 }

// KindList names the catalog's strategies, in its order, for a refusal ("divert, bot_first, …").
func KindList() string {
	names := make([]string, len(catalog))
	for i, sp := range catalog {
		names[i] = string(sp.Kind)
	}
	return strings.Join(names, ", ")
}

func sortedKinds(m map[Kind]StrategySettings) []Kind {
	ks := make([]Kind, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}
