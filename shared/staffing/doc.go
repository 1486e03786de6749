// Package staffing turns forecast contact volumes into agents: how many must be logged in during
// an interval to meet a service-level or average-speed-of-answer target (Erlang C, or Erlang A
// when callers abandon), with an occupancy cap and shrinkage; and shift plans that cover a
// requirement per interval with shifts made from a tenant's templates. Pure Go; no I/O.
//
// Files:
//   - target.go: Target, Interval, Result and their validation.
//   - erlang.go: Erlang B by its recurrence, Erlang C's measures for n agents.
//   - erlanga.go: Erlang A (M/M/n+M, exponential patience) in log-scaled series.
//   - required.go: Required, the smallest agent count meeting a target.
//   - parse.go: ParseServiceLevel ("80/20").
//   - shifts.go: ShiftTemplate, Requirement, Plan and PlanShifts (candidate shifts, coverage, the
//     objective and the method rule).
//   - lp.go: the LP relaxation of the covering problem (gonum's simplex), its blocks, rounding and
//     repair.
//   - greedy.go: the heuristic (greedy fill, local search, ruin and recreate).
//   - errors.go: the sentinel errors.
//
// docs/staffing.md has the formulas and the measured gap between the heuristic and the LP.
package staffing
