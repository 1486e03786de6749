package devstack

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParseSchedule: any expression either fails to parse or yields a schedule whose next firing
// is after the given time (or never), without panicking.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"rate(1 minute)", "rate(5 minutes)", "cron(0 12 * * ? *)", "cron(0/15 8-17 ? * MON-FRI *)",
		"cron(0 9 ? * 2#1 *)", "cron(0 9 ? * 6L *)", "cron(30 8 15W * ? *)", "cron(0 0 LW * ? *)", "cron(0 22 ? * FRI-MON 2030-2040)",
		"at(2030-01-01T00:00:00)", "cron(0 0 31 2 ? *)", "cron(5/9223372036854775807 * * * ? *)", "rate(9223372036854775807 days)"} {
		f.Add(s)
	}
	from := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := parseSchedule(expr)
		if err != nil {
			return
		}
		if r, ok := s.(*rateSchedule); ok {
			r.start = from
		}
		if next := s.next(from); !next.IsZero() && !next.After(from) {
			t.Fatalf("%s: next(%s) = %s", expr, from, next)
		}
	})
}

// FuzzParseTemplate: any input either fails with an error or gives a template whose model builds
// or fails with an error, without panicking.
func FuzzParseTemplate(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(intrinsicsTemplate))
	f.Add([]byte("Resources: {A: {Type: AWS::S3::Bucket, Properties: {BucketName: !Sub '${A.Arn}'}}}"))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		tmpl, err := parseTemplate(data)
		if err != nil {
			return
		}
		tmpl.Dir = t.TempDir()
		params := map[string]string{}
		for name := range tmpl.Parameters {
			params[name] = "x"
		}
		m, err := newModel("s", tmpl, params, log)
		if err != nil {
			return
		}
		m.sqsBase = "http://127.0.0.1:1"
		_ = m.build()
	})
}
