// Package forecast predicts contact volumes: baseline models over a tenant's interval series
// (cleaned of anomalies and events), chosen and weighted by a rolling-origin backtest, plus the
// uplift of the tenant's events, with prediction intervals; and the metrics that compare a
// published forecast with what happened. Pure Go over gonum; no I/O.
//
// Files: types.go (series, forecasts, events, metrics); grid.go (a series as local days × slots);
// clean.go (holidays, event windows and anomalies out of the training data); models.go
// (seasonal_naive, weekday_means), profile.go (daily totals × weekday intraday profiles, which
// ets.go and regression.go forecast); predict.go (Predict: the rolling-origin backtest and the
// ensemble); bands.go (prediction intervals); events.go (event uplift); rolling.go (Rolling, the
// intraday update, and ReviewForecast); score.go (Score). Package bankdata reads the
// two public bank datasets and scores by the peers' protocol.
package forecast
