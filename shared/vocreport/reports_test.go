package vocreport_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/vocreport"
)

type zone struct{ loc *time.Location }

func (z zone) Calendar(context.Context, tenant.ID) (forecast.Calendar, error) {
	return forecast.Calendar{Location: z.loc}, nil
}

// satisfied is a Source double with survey figures only.
type satisfied struct{ vocreport.NoData }

func (satisfied) Satisfaction(context.Context, tenant.ID, vocreport.Week) (vocreport.Satisfaction, error) {
	return vocreport.Satisfaction{Overall: vocreport.Score{CSATCount: 10, CSATMean: 4.5, CSATPercent: 90}}, nil
}

type env struct {
	b      *vocreport.Builder
	db     *store.Store
	s3     *s3.Client
	bucket string
	ctr    *intervals.Counters
	now    time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	client, bucket := emulators.NewBucket(t, modelstore.NewClient)
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: store.New(ddb, table), s3: client, bucket: bucket}
	e.ctr = intervals.New(e.db)
	e.now = time.Date(2026, 12, 9, 10, 0, 0, 0, sh) // Wednesday of 2026-W50
	e.b = vocreport.New(vocreport.Config{DB: e.db, S3: client, Bucket: bucket, Source: satisfied{}, Contacts: e.ctr,
		Calendars: zone{sh}, Now: func() time.Time { return e.now }})
	return e
}

func mustTenant(t *testing.T, s string) tenant.ID {
	t.Helper()
	id, err := tenant.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// A report is built from the interval counters (in the tenant's time zone) and the imported
// transactions, stored in S3 under reports/<tenant>/voc/<week>, listed, read back, and built once
// per week; a report of a week still running is rebuilt once the week is over.
func TestBuildStoreAndList(t *testing.T) {
	e := newEnv(t)
	ctx, acme := t.Context(), mustTenant(t, "acme")
	// 2026-W49 in Shanghai: Monday 2026-11-30 00:00 +08 = Sunday 16:00 UTC. A contact at 17:00
	// UTC on Sunday 29 November is Monday's in the report.
	count := func(id string, ch events.Channel, at time.Time, n int64) {
		if err := e.ctr.Count(ctx, acme, id, intervals.AllQueues, ch, at, map[string]int64{intervals.Offered: n}); err != nil {
			t.Fatal(err)
		}
	}
	count("e1", events.ChannelChat, time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC), 30)
	count("e2", events.ChannelVoice, time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC), 20)
	count("e3", events.ChannelChat, time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC), 99) // the week before
	if err := e.b.Transactions().Import(ctx, acme, []vocreport.DayCount{{Date: "2026-11-30", Count: 100000}, {Date: "2026-12-01", Count: 5}}); err != nil {
		t.Fatal(err)
	}

	r, built, err := e.b.Build(ctx, acme, "2026-W49")
	if err != nil || !built {
		t.Fatalf("build: %v %v", built, err)
	}
	if r.Contacts != 50 || *r.Transactions != 100005 || r.TxSource != vocreport.TxImport || r.Partial || *r.CSATMean != 4.5 {
		t.Fatalf("report %+v", r)
	}
	html, err := e.b.Body(ctx, acme, "2026-W49", vocreport.FormatHTML)
	if err != nil || !bytes.Contains(html, []byte("<svg")) || len(html) != r.HTMLBytes {
		t.Fatalf("html %d bytes, %v", len(html), err)
	}
	pdf, err := e.b.Body(ctx, acme, "2026-W49", vocreport.FormatPDF)
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("pdf %v", err)
	}
	obj, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &e.bucket, Key: strPtr("reports/acme/voc/2026-W49.pdf")})
	if err != nil || *obj.ContentType != "application/pdf" {
		t.Fatalf("S3 object: %v", err)
	}
	obj.Body.Close()

	// Once per week: the same week again is the same report.
	again, built, err := e.b.Build(ctx, acme, "2026-W49")
	if err != nil || built || !again.GeneratedAt.Equal(r.GeneratedAt) {
		t.Fatalf("second build: %v %v", built, err)
	}
	// The running week is partial and kept until it ends; then rebuilt.
	cur, built, err := e.b.Build(ctx, acme, "2026-W50")
	if err != nil || !built || !cur.Partial {
		t.Fatalf("running week: %+v %v %v", cur, built, err)
	}
	if _, built, _ := e.b.Build(ctx, acme, "2026-W50"); built {
		t.Fatal("running week rebuilt within the week")
	}
	e.now = e.now.AddDate(0, 0, 7)
	cur, built, err = e.b.BuildDue(ctx, acme, e.now) // the last complete week is W50
	if err != nil || !built || cur.Week != "2026-W50" || cur.Partial {
		t.Fatalf("BuildDue: %+v %v %v", cur, built, err)
	}
	if _, built, err := e.b.BuildDue(ctx, acme, e.now); built || err != nil {
		t.Fatalf("BuildDue twice: %v %v", built, err)
	}

	list, next, err := e.b.List(ctx, acme, store.PageRequest{Limit: 10})
	if err != nil || next != "" || len(list) != 2 || list[0].Week != "2026-W50" || list[1].Week != "2026-W49" {
		t.Fatalf("list %v %q %v", list, next, err)
	}
	if _, _, err := e.b.Build(ctx, acme, "2027-W10"); !errors.Is(err, vocreport.ErrFutureWeek) {
		t.Fatalf("future week: %v", err)
	}
	if _, _, err := e.b.Build(ctx, acme, "2026-W54"); !errors.Is(err, vocreport.ErrBadWeek) {
		t.Fatalf("bad week: %v", err)
	}
	// Another tenant sees none of it.
	other := mustTenant(t, "other")
	if _, err := e.b.Get(ctx, other, "2026-W49"); !errors.Is(err, vocreport.ErrNotFound) {
		t.Fatalf("other tenant: %v", err)
	}
	if _, err := e.b.Body(ctx, other, "2026-W49", vocreport.FormatPDF); !errors.Is(err, vocreport.ErrNotFound) {
		t.Fatalf("other tenant's body: %v", err)
	}
}

func strPtr(s string) *string { return &s }

// An import replaces the counts of its dates and keeps the others; a bad one stores nothing and
// names every bad entry.
func TestTransactionsImport(t *testing.T) {
	e := newEnv(t)
	ctx, acme := t.Context(), mustTenant(t, "acme")
	x := e.b.Transactions()
	var year []vocreport.DayCount
	for d := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC); len(year) < vocreport.MaxImportDays; d = d.AddDate(0, 0, 1) {
		year = append(year, vocreport.DayCount{Date: d.Format(time.DateOnly), Count: int64(d.Day())})
	}
	if err := x.Import(ctx, acme, year); err != nil {
		t.Fatal(err)
	}
	if err := x.Import(ctx, acme, []vocreport.DayCount{{Date: "2026-01-02", Count: 7000}}); err != nil {
		t.Fatal(err)
	}
	got, err := x.Days(ctx, acme, "2025-12-31", "2026-01-03")
	if err != nil || fmt.Sprint(got) != "map[2025-12-31:31 2026-01-01:1 2026-01-02:7000 2026-01-03:3]" {
		t.Fatalf("%v %v", got, err)
	}
	bad := []vocreport.DayCount{{Date: "2026-02-30", Count: 1}, {Date: "2026-03-01", Count: -1}, {Date: "2026-03-01", Count: 1}}
	err = x.Import(ctx, acme, bad)
	var de *vocreport.DaysError
	if !errors.As(err, &de) || len(de.Problems) != 3 || de.Problems[0].Index != 0 || !strings.Contains(de.Problems[2].Reason, "twice") {
		t.Fatalf("%v", err)
	}
	if err := x.Import(ctx, acme, append(year, vocreport.DayCount{Date: "2027-01-01"})); !errors.Is(err, vocreport.ErrBadDays) {
		t.Fatalf("367 days: %v", err)
	}
}
