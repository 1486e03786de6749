package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestNLUMatchBothFormats trains on the CSV form and tests on the JSON-lines
// form of AFQMC-shaped pairs, and the other way round.
func TestNLUMatchBothFormats(t *testing.T) {
	for _, files := range [][2]string{
		{"testdata/pairs_train.csv", "testdata/pairs_test.jsonl"},
		{"testdata/pairs_test.jsonl", "testdata/pairs_train.csv"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"nlu", "match", "--train", files[0], "--test", files[1]}, &stdout, &stderr)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", files, code, stderr.String())
		}
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		var got map[string]any
		dec := json.NewDecoder(strings.NewReader(lines[len(lines)-1]))
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("%v: last line %q: %v", files, lines[len(lines)-1], err)
		}
		for _, k := range []string{"n_train", "n_test", "accuracy", "f1", "threshold", "train_seconds",
			"recall_at_1", "recall_at_5", "bm25_recall_at_1", "bm25_recall_at_5", "kb_size"} {
			if _, ok := got[k]; !ok {
				t.Errorf("%v: summary lacks %s: %v", files, k, got)
			}
		}
		if files[0] == "testdata/pairs_train.csv" {
			if got["n_train"].(float64) != 14 || got["n_test"].(float64) != 4 {
				t.Errorf("sizes: %v", got)
			}
			// The test pairs reword training pairs; the product words (花呗
			// against 借呗) decide them.
			if got["accuracy"].(float64) != 1 {
				t.Errorf("accuracy %v on reworded training pairs, want 1", got["accuracy"])
			}
		}
	}
}

func TestNLUMatchBadInput(t *testing.T) {
	for file, want := range map[string]string{
		"testdata/pairs_bad_header.csv":    `lacks "sentence1"`,
		"testdata/pairs_bad_row.csv":       "line 3: 2 fields, want 3",
		"testdata/pairs_bad_label.jsonl":   `line 2: label "yes": want 0 or 1`,
		"testdata/pairs_missing_key.jsonl": "line 1: want the keys sentence1, sentence2 and label",
		"testdata/pairs_one_label.csv":     "need both matching and non-matching examples",
		"testdata/nonexistent.csv":         "no such file",
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"nlu", "match", "--train", file, "--test", "testdata/pairs_test.jsonl"}, &stdout, &stderr)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1", file, code)
		}
		if !strings.Contains(stderr.String(), want) || !strings.Contains(stderr.String(), "lingxi nlu match") {
			t.Errorf("%s: stderr %q, want it to say %q", file, stderr.String(), want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"nlu", "match", "--train", "testdata/pairs_train.csv"}, &stdout, &stderr); code != 2 {
		t.Errorf("missing --test: exit %d, want 2", code)
	}
}
