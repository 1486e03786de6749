// Package vocreport builds each tenant's weekly voice-of-the-customer report (docs/voc-report.md):
// the figures of one ISO week in the tenant's time zone, rendered as a self-contained HTML page
// with inline SVG charts and as a PDF written by this package, both kept in S3.
//
//   - week.go: ISO weeks ("2026-W49") and their bounds in a time zone.
//   - source.go: Source, what the report reads from the other parts (satisfaction, sentiment,
//     topics, alerts, QA, business events), and Contacts, the interval counters it reads itself.
//   - figures.go: Figures, the report's numbers, and how Collect derives them (contact rate per
//     10,000 transactions, top and rising topics, resolution times).
//   - transactions.go: the tenant's imported daily transaction counts (DynamoDB).
//   - html.go, svg.go: the HTML report and its charts. pdf.go: a small PDF writer (pages, text in
//     Helvetica and the predefined CJK font STSong-Light, lines and rectangles); pdfreport.go lays
//     the report out with it.
//   - reports.go: building, storing (S3 bodies, DynamoDB metadata), listing, and BuildDue, the
//     weekly schedule's entry point.
package vocreport
