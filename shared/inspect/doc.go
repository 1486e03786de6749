// Package inspect is quality inspection of every contact (质检, docs/quality.md): a tenant's
// scoring form of weighted rules applied to a contact's transcript, live while the contact runs
// and whole when it ends, a score per contact and per agent, and a review workflow.
//
// The pure core decides apart from any I/O:
//
//	text.go       phrase matching: zh and en, case-insensitive, full-width folded, word edges
//	card.go       card numbers in text: Luhn, 13–19 digits with spaces or dashes, spoken Chinese digits; masking
//	rules.go      Turn, Rule and Form, their kinds and checks
//	evaluate.go   the rules over a transcript: Live for one new turn, Evaluate for the whole contact
//	score.go      weighted score 0–100, re-scoring with a supervisor's per-rule overrides
//	defaults.go   the form a tenant gets before it writes its own (greeting, identity check, closing,
//	              forbidden words, card numbers, negative emotion; zh and en)
//
// The I/O around it:
//
//	book.go       the records: forms, the active form, running transcripts, results, agents' scores
//	review.go     sampling, disputes, re-scores
//	inspector.go  Inspector.Event: chat.message, call.utterance, contact.ended and call.ended from
//	              the stream, qa.violation pushed to supervisors, contact.inspected at the end
package inspect
