// Package satisfaction keeps customers' survey answers and the satisfaction figures made of them
// (issue 13, part 1; docs/surveys.md).
//
// Files, one concern each:
//
//   - feedback.go: Feedback, the one answer a contact may get (store kind "feedback", id the
//     contact id), Answer and its rules, Record: the conditional write and the feedback.submitted
//     event that go together.
//   - fold.go: Fold, the stream part that joins feedback.submitted with the contact's facts
//     (intent, queue, agent, channel, resolution) from the contact events, in whichever order they
//     come, and keeps daily sums per dimension value.
//   - figures.go: Dimension, Row and Figures: CSAT mean, CSAT % (share of 4 and 5) and NPS per
//     value over a range of days, read from the daily sums.
//   - errors.go: the errors callers match.
package satisfaction
