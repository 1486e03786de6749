package dataset

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/lingxi/lingxi/shared/nlu"
)

// pairRecord is one line of the JSON-lines form of a pair file (AFQMC's
// CLUE release): {"sentence1": "…", "sentence2": "…", "label": "1"}.
type pairRecord struct {
	Sentence1 *string `json:"sentence1"`
	Sentence2 *string `json:"sentence2"`
	Label     any     `json:"label"`
}

// LoadPairs reads labelled question pairs: CSV with the header
// `sentence1,sentence2,label`, or JSON lines with the same three keys, told
// apart by the first byte. Labels are 0 or 1 (a JSON label may be the string
// or the number).
func LoadPairs(path string) ([]nlu.Pair, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var pairs []nlu.Pair
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		pairs, err = readPairsJSONL(data)
	} else {
		pairs, err = readPairsCSV(data)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("%s: %w: no pairs", path, errFormat)
	}
	return pairs, nil
}

func parsePairLabel(s string) (bool, error) {
	switch strings.TrimSpace(s) {
	case "1":
		return true, nil
	case "0":
		return false, nil
	}
	return false, fmt.Errorf("label %q: want 0 or 1", s)
}

func readPairsCSV(data []byte) ([]nlu.Pair, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", errFormat, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	for _, k := range []string{"sentence1", "sentence2", "label"} {
		if _, ok := col[k]; !ok {
			return nil, fmt.Errorf("%w: CSV header %q lacks %q (want sentence1,sentence2,label)", errFormat, strings.Join(head, ","), k)
		}
	}
	var out []nlu.Pair
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errFormat, err)
		}
		if len(rec) != len(head) {
			return nil, fmt.Errorf("%w: line %d: %d fields, want %d", errFormat, line, len(rec), len(head))
		}
		same, err := parsePairLabel(rec[col["label"]])
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", errFormat, line, err)
		}
		out = append(out, nlu.Pair{A: rec[col["sentence1"]], B: rec[col["sentence2"]], Same: same})
	}
}

func readPairsJSONL(data []byte) ([]nlu.Pair, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	var out []nlu.Pair
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var rec pairRecord
		dec := json.NewDecoder(bytes.NewReader(text))
		if err := dec.Decode(&rec); err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", errFormat, line, err)
		}
		if rec.Sentence1 == nil || rec.Sentence2 == nil || rec.Label == nil {
			return nil, fmt.Errorf("%w: line %d: want the keys sentence1, sentence2 and label", errFormat, line)
		}
		var label string
		switch v := rec.Label.(type) {
		case string:
			label = v
		case float64:
			label = fmt.Sprint(v)
		default:
			return nil, fmt.Errorf("%w: line %d: label %v: want \"0\" or \"1\"", errFormat, line, v)
		}
		same, err := parsePairLabel(label)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", errFormat, line, err)
		}
		out = append(out, nlu.Pair{A: *rec.Sentence1, B: *rec.Sentence2, Same: same})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", errFormat, err)
	}
	return out, nil
}

// WritePairsCSV writes pairs with the header `sentence1,sentence2,label`.
func WritePairsCSV(w io.Writer, pairs []nlu.Pair) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"sentence1", "sentence2", "label"}); err != nil {
		return err
	}
	for _, p := range pairs {
		label := "0"
		if p.Same {
			label = "1"
		}
		if err := cw.Write([]string{p.A, p.B, label}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
