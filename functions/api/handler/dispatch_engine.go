package handler

import "github.com/lingxi/lingxi/shared/steering"

// The engine's records as the dispatch routes answer them (shared/steering's).
type (
	// ActivationRecord is one activation from its start to its withdrawal and judgement.
	ActivationRecord = steering.ActivationRecord
	// StrategyView is one strategy of the catalog for a tenant: its settings, its measured effect
	// per context and its activations in force.
	StrategyView = steering.StrategyView
)

var _ DispatchEngine = (*steering.Engine)(nil)
