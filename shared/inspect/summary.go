package inspect

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// MaxSummary bounds the results one Summary reads.
const MaxSummary = 20000

// Summary is the final scores of the contacts inspected in a window: overall and per agent.
type Summary struct {
	Count  int            `json:"count"`
	Mean   float64        `json:"mean"` // of the final scores (a re-score replaces the automatic one)
	Agents []AgentSummary `json:"agents"`
	// Truncated is true when the tenant had more than MaxSummary results: the first read count.
	Truncated bool `json:"truncated"`
}

// AgentSummary is one agent's contacts in a Summary.
type AgentSummary struct {
	AgentID string  `json:"agent_id"`
	Count   int     `json:"count"`
	Mean    float64 `json:"mean"`
}

// summaryItem is the part of a result a Summary reads.
type summaryItem struct {
	AgentID     string    `dynamodbav:"agent_id"`
	FinalScore  float64   `dynamodbav:"final_score"`
	InspectedAt time.Time `dynamodbav:"inspected_at"`
}

// Summary reads the results of t's contacts inspected (last inspected or re-inspected) in
// [from, to): every contact in Count and Mean, the ones with an agent per agent, most contacts
// first. Means are rounded to one decimal. It reads every kept result of the tenant.
func (b *Book) Summary(ctx context.Context, t tenant.ID, from, to time.Time) (Summary, error) {
	out := Summary{Agents: []AgentSummary{}}
	type acc struct {
		n   int
		sum float64
	}
	agents := map[string]*acc{}
	sum, read := 0.0, 0
	for rec, err := range store.Records(ctx, b.db, t, KindResult, "", store.PageRequest{Limit: store.MaxLimit}) {
		if err != nil {
			return Summary{}, fmt.Errorf("QA summary of %s: %w", t, err)
		}
		if read++; read > MaxSummary {
			out.Truncated = true
			break
		}
		var it summaryItem
		if err := rec.Decode(&it); err != nil {
			return Summary{}, fmt.Errorf("QA summary of %s: result %s: %w", t, rec.Key.ID, err)
		}
		if it.InspectedAt.Before(from) || !it.InspectedAt.Before(to) {
			continue
		}
		out.Count++
		sum += it.FinalScore
		if it.AgentID != "" {
			a := agents[it.AgentID]
			if a == nil {
				a = &acc{}
				agents[it.AgentID] = a
			}
			a.n++
			a.sum += it.FinalScore
		}
	}
	if out.Count > 0 {
		out.Mean = round1(sum / float64(out.Count))
	}
	for id, a := range agents {
		out.Agents = append(out.Agents, AgentSummary{AgentID: id, Count: a.n, Mean: round1(a.sum / float64(a.n))})
	}
	slices.SortFunc(out.Agents, func(a, b AgentSummary) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.AgentID, b.AgentID))
	})
	return out, nil
}
