package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/lingxi/lingxi/shared/nlu"
)

// progressBar draws training progress on a terminal. When the output is
// not a terminal it stays silent except for one line per stage.
type progressBar struct {
	w     io.Writer
	tty   bool
	mu    sync.Mutex
	stage string
	last  time.Time
	shown bool
}

func newProgressBar(w io.Writer) *progressBar {
	return &progressBar{w: w, tty: isTerminal(w)}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// update is an nlu.Options.Progress callback; it is called from solver
// goroutines, so it locks.
func (b *progressBar) update(p nlu.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.tty {
		if p.Stage != b.stage {
			b.stage = p.Stage
			fmt.Fprintf(b.w, "training: %s\n", p.Stage)
		}
		return
	}
	now := time.Now()
	if p.Done < p.Total && now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last = now
	const width = 30
	filled := width * p.Done / max(p.Total, 1)
	fmt.Fprintf(b.w, "\rtraining %-9s [%s%s] %3d%%", p.Stage,
		strings.Repeat("=", filled), strings.Repeat(" ", width-filled), 100*p.Done/max(p.Total, 1))
	b.shown = true
}

func (b *progressBar) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tty && b.shown {
		fmt.Fprintln(b.w)
	}
}
