package vad_test

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/lingxi/lingxi/media-edge/voice/vad/vadbench"
)

var (
	corpusOnce sync.Once
	corpus     vadbench.Corpus
	corpusErr  error
)

// fsdd is the 60 FSDD recordings in testdata (read once per test binary).
func fsdd(t testing.TB) vadbench.Corpus {
	t.Helper()
	corpusOnce.Do(func() { corpus, corpusErr = vadbench.LoadFSDD(filepath.Join("..", "testdata", "fsdd"), 5) })
	if corpusErr != nil {
		t.Fatal(corpusErr)
	}
	return corpus
}
