package botconfig

import (
	"testing"
	"time"
)

func TestJobView(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	finished := now.Add(-time.Hour)
	tests := map[string]struct {
		job       TrainingJob
		state     JobState
		abandoned bool
	}{
		"queued within its lease":  {TrainingJob{State: JobQueued, LeaseUntil: now.Add(time.Minute)}, JobQueued, false},
		"running within its lease": {TrainingJob{State: JobRunning, LeaseUntil: now.Add(time.Minute)}, JobRunning, false},
		"queued past its lease":    {TrainingJob{State: JobQueued, LeaseUntil: now.Add(-time.Second)}, JobFailed, true},
		"running past its lease":   {TrainingJob{State: JobRunning, LeaseUntil: now.Add(-time.Second)}, JobFailed, true},
		"succeeded long ago":       {TrainingJob{State: JobSucceeded, LeaseUntil: now.Add(-time.Hour), FinishedAt: &finished}, JobSucceeded, false},
		"failed long ago":          {TrainingJob{State: JobFailed, LeaseUntil: now.Add(-time.Hour), FinishedAt: &finished}, JobFailed, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v := tc.job.View(now)
			if v.State != tc.state {
				t.Fatalf("state %s, want %s", v.State, tc.state)
			}
			if got := v.Error != nil && v.Error.Type == JobErrAbandoned; got != tc.abandoned {
				t.Fatalf("abandoned %v, want %v (%+v)", got, tc.abandoned, v.Error)
			}
			if tc.abandoned && (v.FinishedAt == nil || !v.FinishedAt.Equal(tc.job.LeaseUntil)) {
				t.Fatalf("finished_at %v, want the lease's end", v.FinishedAt)
			}
		})
	}
}

func TestJobID(t *testing.T) {
	at := time.Date(2025, 6, 3, 10, 13, 4, 882e6, time.UTC)
	a, err := NewJobID(at)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewJobID(at.Add(time.Millisecond))
	if !ValidJobID(a) || a[:20] != "20250603T101304.882Z" || !(a < b) {
		t.Fatalf("ids %q %q", a, b)
	}
	for _, bad := range []string{"", "../x", a + "0", a[:len(a)-1], "20250603T101304.882Z-4f9a1c"} {
		if ValidJobID(bad) {
			t.Errorf("%q is valid", bad)
		}
	}
}
