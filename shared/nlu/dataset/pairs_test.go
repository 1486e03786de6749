package dataset

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/shared/nlu"
)

func TestLoadPairsCSVAndJSONLines(t *testing.T) {
	dir := t.TempDir()
	want := []nlu.Pair{{A: "花呗怎么还款", B: "花呗如何还钱", Same: true}, {A: "借呗, 额度", B: "花呗额度", Same: false}}
	var csvBuf strings.Builder
	if err := WritePairsCSV(&csvBuf, want); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"p.csv":   csvBuf.String(),
		"p.jsonl": `{"sentence1": "花呗怎么还款", "sentence2": "花呗如何还钱", "label": "1"}` + "\n\n" + `{"sentence1": "借呗, 额度", "sentence2": "花呗额度", "label": 0}` + "\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := LoadPairs(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
	}
}

func TestLoadPairsRejects(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"empty.csv":     "sentence1,sentence2,label\n",
		"header.csv":    "text,category\na,b\n",
		"label.csv":     "sentence1,sentence2,label\na,b,2\n",
		"broken.jsonl":  `{"sentence1": "a", "sentence2": `,
		"nolabel.jsonl": `{"sentence1": "a", "sentence2": "b"}`,
		"badtype.jsonl": `{"sentence1": "a", "sentence2": "b", "label": true}`,
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadPairs(p); !errors.Is(err, errFormat) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v, want a format error naming the file", name, err)
		}
	}
}
