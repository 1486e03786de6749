package vocreport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// KindReport is a report's metadata item: id the week ("2026-W49").
const KindReport = "vocreport"

// MaxBodyBytes is the largest report body Body reads back.
const MaxBodyBytes = 8 << 20

// Formats of a report body.
const (
	FormatHTML = "html"
	FormatPDF  = "pdf"
)

// ContentType is each format's media type.
var ContentType = map[string]string{FormatHTML: "text/html; charset=utf-8", FormatPDF: "application/pdf"}

// S3 is the part of the S3 client the reports use.
type S3 interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

var _ S3 = (*s3.Client)(nil)

// Report is a built report's metadata and headline figures.
type Report struct {
	Week         string    `dynamodbav:"week" json:"week"`
	From         time.Time `dynamodbav:"from" json:"from"`
	To           time.Time `dynamodbav:"to" json:"to"`
	TimeZone     string    `dynamodbav:"time_zone" json:"time_zone"`
	GeneratedAt  time.Time `dynamodbav:"generated_at" json:"generated_at"`
	Partial      bool      `dynamodbav:"partial" json:"partial"` // built before the week ended
	HTMLKey      string    `dynamodbav:"html_key" json:"-"`
	PDFKey       string    `dynamodbav:"pdf_key" json:"-"`
	HTMLBytes    int       `dynamodbav:"html_bytes" json:"html_bytes"`
	PDFBytes     int       `dynamodbav:"pdf_bytes" json:"pdf_bytes"`
	Contacts     int       `dynamodbav:"contacts" json:"contacts"`
	Transactions *int64    `dynamodbav:"transactions" json:"transactions"`
	TxSource     string    `dynamodbav:"transactions_source" json:"transactions_source"`
	Rate         *float64  `dynamodbav:"rate" json:"rate"` // contacts per 10,000 transactions
	CSATMean     *float64  `dynamodbav:"csat_mean" json:"csat_mean"`
	NPS          *float64  `dynamodbav:"nps" json:"nps"`
	Alerts       int       `dynamodbav:"alerts" json:"alerts"`
}

// Config wires a Builder.
type Config struct {
	DB        *store.Store
	S3        S3
	Bucket    string
	Source    Source    // nil: NoData
	Contacts  Contacts  // *intervals.Counters
	Calendars Calendars // *forecastcal.Cal: the tenant's time zone
	Now       func() time.Time
}

// Builder builds, stores and reads tenants' weekly reports.
type Builder struct {
	db       *store.Store
	s3       S3
	bucket   string
	src      Source
	contacts Contacts
	cal      Calendars
	tx       *Transactions
	now      func() time.Time
}

// New returns a Builder over cfg.
func New(cfg Config) *Builder {
	b := &Builder{db: cfg.DB, s3: cfg.S3, bucket: cfg.Bucket, src: cfg.Source, contacts: cfg.Contacts,
		cal: cfg.Calendars, tx: NewTransactions(cfg.DB), now: cfg.Now}
	if b.src == nil {
		b.src = NoData{}
	}
	if b.now == nil {
		b.now = time.Now
	}
	return b
}

// Transactions is the imported transaction counts the builder reads.
func (b *Builder) Transactions() *Transactions { return b.tx }

// ObjectKey is where a report body is kept: reports/<tenant>/voc/<week>.<format>.
func ObjectKey(t tenant.ID, week, format string) string {
	return "reports/" + t.String() + "/voc/" + week + "." + format
}

// Location is tenant t's time zone.
func (b *Builder) Location(ctx context.Context, t tenant.ID) (*time.Location, error) {
	cal, err := b.cal.Calendar(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("time zone of %s: %w", t, err)
	}
	if cal.Location == nil {
		return time.UTC, nil
	}
	return cal.Location, nil
}

// Week parses id in tenant t's time zone.
func (b *Builder) Week(ctx context.Context, t tenant.ID, id string) (Week, error) {
	loc, err := b.Location(ctx, t)
	if err != nil {
		return Week{}, err
	}
	return ParseWeek(id, loc)
}

// Build makes tenant t's report of week id unless one exists, and reports whether it built one.
// Once per week: a report of a week that had ended when it was built is returned as it is; one
// built during its week (Partial) is returned as it is until the week ends, and rebuilt by the
// first Build after. ErrBadWeek for a bad id, ErrFutureWeek for a week not yet begun.
func (b *Builder) Build(ctx context.Context, t tenant.ID, id string) (Report, bool, error) {
	w, err := b.Week(ctx, t, id)
	if err != nil {
		return Report{}, false, err
	}
	now := b.now()
	if now.Before(w.From) {
		return Report{}, false, fmt.Errorf("week %s: %w", id, ErrFutureWeek)
	}
	var old Report
	ver, err := b.db.Get(ctx, t, store.Key{Kind: KindReport, ID: w.ID}, &old)
	switch {
	case errors.Is(err, store.ErrNotFound):
		ver = 0
	case err != nil:
		return Report{}, false, fmt.Errorf("read report %s of %s: %w", w.ID, t, err)
	case !old.Partial || now.Before(w.To):
		return old, false, nil
	}
	in, err := b.collect(ctx, t, w)
	if err != nil {
		return Report{}, false, err
	}
	f := derive(t, w, now, in)
	htmlBody, err := RenderHTML(f)
	if err != nil {
		return Report{}, false, fmt.Errorf("render report %s of %s: %w", w.ID, t, err)
	}
	pdfBody := RenderPDF(f)
	r := reportOf(f)
	r.HTMLKey, r.PDFKey = ObjectKey(t, w.ID, FormatHTML), ObjectKey(t, w.ID, FormatPDF)
	r.HTMLBytes, r.PDFBytes = len(htmlBody), len(pdfBody)
	if err := b.put(ctx, r.HTMLKey, htmlBody, FormatHTML); err != nil {
		return Report{}, false, err
	}
	if err := b.put(ctx, r.PDFKey, pdfBody, FormatPDF); err != nil {
		return Report{}, false, err
	}
	if _, err := b.db.Put(ctx, t, store.Key{Kind: KindReport, ID: w.ID}, r, ver); err != nil {
		if errors.Is(err, store.ErrConflict) { // a concurrent build of the same week won: keep its
			got, gerr := b.Get(ctx, t, w.ID)
			return got, false, gerr
		}
		return Report{}, false, fmt.Errorf("record report %s of %s: %w", w.ID, t, err)
	}
	return r, true, nil
}

func reportOf(f Figures) Report {
	r := Report{Week: f.Week, From: f.From, To: f.To, TimeZone: f.TimeZone, GeneratedAt: f.GeneratedAt, Partial: f.Partial,
		Contacts: f.Contacts, Transactions: f.Transactions, TxSource: f.TxSource, Rate: f.Rate, Alerts: len(f.Alerts)}
	if s := f.Satisfaction.Overall; s.CSATCount > 0 {
		r.CSATMean = ptr(s.CSATMean)
	}
	if s := f.Satisfaction.Overall; s.NPSCount > 0 {
		r.NPS = ptr(s.NPS)
	}
	return r
}

func (b *Builder) put(ctx context.Context, key string, body []byte, format string) error {
	_, err := b.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &b.bucket, Key: &key, Body: bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))), ContentType: aws.String(ContentType[format])})
	if err != nil {
		return fmt.Errorf("put report %s: %w", key, err)
	}
	return nil
}

// Get reads the metadata of tenant t's report of week id; ErrNotFound if none was built.
func (b *Builder) Get(ctx context.Context, t tenant.ID, id string) (Report, error) {
	if !weekRE.MatchString(id) {
		return Report{}, fmt.Errorf("report %q: %w", id, ErrNotFound)
	}
	var r Report
	_, err := b.db.Get(ctx, t, store.Key{Kind: KindReport, ID: id}, &r)
	if errors.Is(err, store.ErrNotFound) {
		return Report{}, fmt.Errorf("report %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Report{}, fmt.Errorf("read report %s of %s: %w", id, t, err)
	}
	return r, nil
}

// List pages through tenant t's reports, newest week first.
func (b *Builder) List(ctx context.Context, t tenant.ID, page store.PageRequest) ([]Report, string, error) {
	page.Descending = true
	res, err := b.db.Query(ctx, t, KindReport, "", page)
	if err != nil {
		return nil, "", err
	}
	out := make([]Report, 0, len(res.Items))
	for _, rec := range res.Items {
		var r Report
		if err := rec.Decode(&r); err != nil {
			return nil, "", fmt.Errorf("decode report %s: %w", rec.Key.ID, err)
		}
		out = append(out, r)
	}
	return out, res.Next, nil
}

// Body reads tenant t's report body of week id in format (FormatHTML or FormatPDF).
func (b *Builder) Body(ctx context.Context, t tenant.ID, id, format string) ([]byte, error) {
	r, err := b.Get(ctx, t, id)
	if err != nil {
		return nil, err
	}
	key := r.HTMLKey
	if format == FormatPDF {
		key = r.PDFKey
	}
	out, err := b.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.bucket, Key: &key})
	if err != nil {
		if _, ok := errors.AsType[*types.NoSuchKey](err); ok {
			return nil, fmt.Errorf("report body %s: %w", key, ErrNotFound)
		}
		return nil, fmt.Errorf("get report body %s: %w", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read report body %s: %w", key, err)
	}
	if len(data) > MaxBodyBytes {
		return nil, fmt.Errorf("report body %s: larger than %d bytes", key, MaxBodyBytes)
	}
	return data, nil
}

// BuildDue is the weekly schedule's call for tenant t: it builds the report of the last complete
// week before now (in t's time zone) unless it exists whole, and reports whether it built one.
// Calling it more often than weekly (hourly, say) is harmless: a week is built once.
func (b *Builder) BuildDue(ctx context.Context, t tenant.ID, now time.Time) (Report, bool, error) {
	loc, err := b.Location(ctx, t)
	if err != nil {
		return Report{}, false, err
	}
	return b.Build(ctx, t, WeekOf(now, loc).Previous().ID)
}

// NoData is a Source with nothing: every part answers "no data". It serves until the other parts
// are adapted to Source.
type NoData struct{}

func (NoData) Satisfaction(context.Context, tenant.ID, Week) (Satisfaction, error) {
	return Satisfaction{}, nil
}
func (NoData) Sentiment(context.Context, tenant.ID, Week) ([]DayShare, error) { return nil, nil }
func (NoData) Topics(context.Context, tenant.ID, Week) ([]TopicCount, error)  { return nil, nil }
func (NoData) Alerts(context.Context, tenant.ID, Week) ([]Alert, error)       { return nil, nil }
func (NoData) QA(context.Context, tenant.ID, Week) (QA, error)                { return QA{}, nil }
func (NoData) BusinessEvents(context.Context, tenant.ID, Week) ([]DayCount, error) {
	return nil, nil
}

var _ Source = NoData{}
