package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeSentimentFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func lastSentimentJSON(t *testing.T, out string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	return got
}

func TestSentimentEvalChnSentiCorp(t *testing.T) {
	dir := t.TempDir()
	var train strings.Builder
	for i := range 8 {
		fmt.Fprintf(&train, "房间干净，服务很好 %d\t1\n房间很脏，服务太差 %d\t0\n", i, i)
	}
	trainPath := writeSentimentFile(t, dir, "train.txt", train.String())
	testPath := writeSentimentFile(t, dir, "test.txt", "服务很好\t1\n太差了\t0\n房间干净\t1\n很脏\t0\n")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"sentiment", "eval", "--train", trainPath, "--test", testPath, "--format", "chnsenticorp"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got := lastSentimentJSON(t, stdout.String())
	for _, k := range []string{"accuracy", "macro_recall", "n", "recall", "train_seconds", "predict_seconds"} {
		if _, ok := got[k]; !ok {
			t.Errorf("summary lacks %s: %v", k, got)
		}
	}
	if got["n"].(float64) != 4 || got["accuracy"].(float64) != 1 || got["macro_recall"].(float64) != 1 {
		t.Errorf("figures: %v", got)
	}
	if labels := fmt.Sprint(got["labels"]); labels != "[negative positive]" {
		t.Errorf("a binary file gave labels %s", labels)
	}
}

func TestSentimentEvalSemEvalAuto(t *testing.T) {
	dir := t.TempDir()
	var train strings.Builder
	train.WriteString("id\tlabel\ttext\tsource\n")
	for i := range 6 {
		fmt.Fprintf(&train, "%d\tpositive\tlove it, great day %d\tx\n%d\tnegative\thate this, awful day %d\tx\n%d\tneutral\tthe meeting is on monday %d\tx\n", i, i, i, i, i, i)
	}
	trainPath := writeSentimentFile(t, dir, "train.tsv", train.String())
	testPath := writeSentimentFile(t, dir, "test.tsv", "label\ttext\npositive\tgreat, love it\nnegative\tawful, hate it\nneutral\tmeeting on monday\n")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"sentiment", "eval", "--train", trainPath, "--test", testPath}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got := lastSentimentJSON(t, stdout.String())
	if got["n"].(float64) != 3 || got["macro_recall"].(float64) != 1 {
		t.Errorf("figures: %v", got)
	}
	if r, ok := got["recall"].(map[string]any); !ok || len(r) != 3 {
		t.Errorf("per-label recall: %v", got["recall"])
	}
}

func TestSentimentEvalBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := writeSentimentFile(t, dir, "good.txt", "好\t1\n差\t0\n")
	goodSemEval := writeSentimentFile(t, dir, "good.tsv", "label\ttext\npositive\tgood\nnegative\tbad\n")
	cases := []struct {
		name, body, format, want string
	}{
		{"bad-label.txt", "好\t1\n差\t7\n", "chnsenticorp", "bad-label.txt: line 2"},
		{"no-tab.txt", "好\t1\n\n差\n", "auto", "no-tab.txt: line 3"},
		{"bad-row.tsv", "label\ttext\npositive\tok\nneutral\n", "semeval", "bad-row.tsv: line 3"},
		{"no-header.tsv", "positive\tok\n", "semeval", "no-header.tsv: line 1"},
	}
	for _, tc := range cases {
		bad := writeSentimentFile(t, dir, tc.name, tc.body)
		good := good
		if tc.format == "semeval" {
			good = goodSemEval
		}
		for _, args := range [][]string{{"--train", bad, "--test", good}, {"--train", good, "--test", bad}} {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"sentiment", "eval", "--format", tc.format}, args...), &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("%s %v: exit %d, stderr %q; want 2 and %q", tc.name, args, code, stderr.String(), tc.want)
			}
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"sentiment", "eval", "--train", good, "--test", filepath.Join(dir, "missing.txt")}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "missing.txt") {
		t.Errorf("missing file: exit %d, %q", code, stderr.String())
	}
	if code := run(context.Background(), []string{"sentiment", "eval", "--train", good, "--test", good, "--format", "csv"}, &stdout, &stderr); code != 2 {
		t.Errorf("unknown format: exit %d", code)
	}
}
