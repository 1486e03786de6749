package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/sentiment"
)

func TestSentimentFastTextLineSplitsChinese(t *testing.T) {
	if got := sentimentFastTextLine("服务很好, Great!"); got != "服 务 很 好 , great !" {
		t.Errorf("got %q", got)
	}
	if got := sentimentFastTextLine("  "); got != "." {
		t.Errorf("empty text: %q", got)
	}
}

func TestWriteSentimentFoldReadsBack(t *testing.T) {
	dir := t.TempDir()
	set := []sentiment.Example{{Text: "好\t用", Label: sentiment.Positive}, {Text: "差\n劲", Label: sentiment.Negative}}
	for _, f := range []sentiment.Format{sentiment.FormatChnSentiCorp, sentiment.FormatSemEval} {
		paths, err := writeSentimentFold(dir, string(f), set, set, f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := os.Open(paths[1])
		if err != nil {
			t.Fatal(err)
		}
		got, err := sentiment.Read(file, f)
		file.Close()
		if err != nil || len(got) != 2 || got[0].Text != "好 用" || got[1].Label != sentiment.Negative {
			t.Errorf("%s: %v %v", f, got, err)
		}
		if filepath.Dir(paths[0]) != dir {
			t.Errorf("paths %v", paths)
		}
	}
}

func TestRenderSentiment(t *testing.T) {
	cfg := config{folds: 5, runs: 2, seed: 1}
	res := map[string]map[string][]sentimentFold{
		"ChnSentiCorp": {
			"lingxi":     {{0.93, 0.93, 2, 0.2}, {0.92, 0.92, 4, 0.4}},
			"sklearn-lr": {{0.91, 0.91, 30, 3}, {0.92, 0.92, 30, 3}},
		},
	}
	out := renderSentiment(cfg, res, map[string][3]int{"ChnSentiCorp": {10800, 8640, 2160}}, time.Minute)
	for _, want := range []string{
		sentimentHeading,
		"| lingxi | 92.50 ± 0.71 | 92.50 ± 0.71 | 3.00 | 1.00 | 0.300 | 1.00 |",
		"| sklearn-lr | 91.50 ± 0.71 | 91.50 ± 0.71 | 30.00 | 10.00 | 3.000 | 10.00 |",
		"- ChnSentiCorp: 0.9300 / 0.9300, 0.9200 / 0.9200",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}
