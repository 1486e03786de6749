// Package forecast predicts contact volumes: baseline models over a tenant's interval series
// (cleaned of anomalies and events), chosen and weighted by a rolling-origin backtest, plus the
// uplift of the tenant's events, with prediction intervals; and the metrics that compare a
// published forecast with what happened. Pure Go over gonum; no I/O.
//
// Files: types.go (series, forecasts, events, metrics).
package forecast
