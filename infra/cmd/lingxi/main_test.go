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

func writeCSV(t *testing.T, dir, name string, rows [][2]string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("text,category\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%q,%s\n", r[0], r[1])
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNLUEvalPrintsJSONLast(t *testing.T) {
	dir := t.TempDir()
	var train [][2]string
	for i := range 6 {
		train = append(train,
			[2]string{fmt.Sprintf("i lost my card %d", i), "card_lost"},
			[2]string{fmt.Sprintf("what is my balance %d", i), "balance"},
			[2]string{fmt.Sprintf("tell me a joke number %d", i), "oos"})
	}
	test := [][2]string{{"lost card", "card_lost"}, {"my balance", "balance"}, {"a joke please", "oos"}}
	trainPath := writeCSV(t, dir, "train.csv", train)
	testPath := writeCSV(t, dir, "test.csv", test)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"nlu", "eval", "--train", trainPath, "--test", testPath}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var got map[string]any
	dec := json.NewDecoder(strings.NewReader(lines[len(lines)-1]))
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	for _, k := range []string{"n_train", "n_test", "accuracy", "macro_f1", "in_scope_accuracy", "oos_recall",
		"train_seconds", "predict_p50_us", "predict_p99_us"} {
		if _, ok := got[k]; !ok {
			t.Errorf("summary lacks %s: %v", k, got)
		}
	}
	if got["n_train"].(float64) != 18 || got["n_test"].(float64) != 3 {
		t.Errorf("sizes: %v", got)
	}
	if strings.Contains(stderr.String(), "\r") {
		t.Error("progress bar drawn although stderr is not a terminal")
	}
}

func TestNLUEvalOmitsOOSFieldsWithoutOOS(t *testing.T) {
	dir := t.TempDir()
	var rows [][2]string
	for i := range 6 {
		rows = append(rows, [2]string{fmt.Sprintf("lost card %d", i), "card_lost"}, [2]string{fmt.Sprintf("balance %d", i), "balance"})
	}
	p := writeCSV(t, dir, "all.csv", rows)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"nlu", "eval", "--train", p, "--test", p}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if strings.Contains(stdout.String(), "oos_recall") {
		t.Errorf("oos fields without oos data: %s", stdout.String())
	}
}

func TestUsageErrors(t *testing.T) {
	for name, args := range map[string][]string{
		"nothing":         nil,
		"unknown command": {"frobnicate", "x"},
		"unknown sub":     {"nlu", "frobnicate"},
		"missing flags":   {"nlu", "eval"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%s: exit %d, want 2", name, code)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"nlu", "eval", "--train", "/nonexistent", "--test", "/nonexistent"}, &stdout, &stderr); code != 1 {
		t.Errorf("missing file: exit %d, want 1", code)
	}
}
