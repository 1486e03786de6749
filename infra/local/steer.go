package local

import (
	"context"
	"encoding/json"
	"fmt"

	steerhandler "github.com/lingxi/lingxi/functions/steer/handler"
)

// SteerRun invokes the steer function (the dispatch engine's minute) for one tenant now, as its
// schedule does every minute for every tenant, and returns what it did: the decision (gaps per
// queue, what was activated, withdrawn and is in force).
func (l *Local) SteerRun(ctx context.Context, tenant string) (steerhandler.Result, error) {
	payload, _ := json.Marshal(steerhandler.Request{Tenant: tenant})
	res, err := l.Stack.Invoke(ctx, "SteerFunction", payload)
	if err != nil {
		return steerhandler.Result{}, fmt.Errorf("steer %s: %w", tenant, err)
	}
	if res.FunctionError != "" {
		return steerhandler.Result{}, fmt.Errorf("steer %s: %s %s", tenant, res.ErrorType, res.Payload)
	}
	var out steerhandler.Result
	if err := json.Unmarshal(res.Payload, &out); err != nil {
		return steerhandler.Result{}, fmt.Errorf("steer %s: %w (%s)", tenant, err, res.Payload)
	}
	return out, nil
}
