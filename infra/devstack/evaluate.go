package devstack

import (
	"fmt"
	"io"
	"log/slog"
)

// Evaluated is one resource of a template as a stack with given parameters would declare it.
type Evaluated struct {
	Type string
	// Active is false when the resource's Condition switches it off; Properties is then nil.
	Active bool
	// Properties are resolved: parameters, conditions (Fn::If, AWS::NoValue) and the other
	// intrinsics applied; references to resources are their local names and ARNs.
	Properties map[string]any
}

// Evaluate resolves every resource of t for a stack named stack with the parameter overrides
// params, without creating or running anything: what template tests use to check what a
// deployment with given parameters would get (security group rules from a list parameter, say).
func Evaluate(t *Template, stack string, params map[string]string) (map[string]Evaluated, error) {
	m, err := newModel(stack, t, params, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	out := make(map[string]Evaluated, len(t.Resources))
	for id, r := range t.Resources {
		e := Evaluated{Type: r.Type, Active: m.active[id]}
		if e.Active {
			v, err := m.res.resolve(r.Properties)
			if err != nil {
				return nil, fmt.Errorf("resource %s: %w", id, err)
			}
			e.Properties = asMap(v)
		}
		out[id] = e
	}
	return out, nil
}
