// Package dataset reads and writes labelled utterances in the formats of the
// public intent benchmarks: CSV with a header `text,category` (BANKING77)
// and the CLINC150 JSON layout, whose keys are splits (train, val, test,
// oos_train, oos_val, oos_test) holding lists of [text, label] pairs.
package dataset

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/lingxi/lingxi/shared/nlu"
)

var errFormat = errors.New("dataset: unrecognised format")

// Set is a labelled data file. CSV files have a single split named "all".
type Set struct {
	Splits map[string][]nlu.Example
}

// Role selects the splits of a file used for one purpose.
type Role int

const (
	RoleTrain       Role = iota // CLINC150: train + oos_train; CSV: all rows
	RoleCalibration             // CLINC150: val + oos_val; CSV: none
	RoleTest                    // CLINC150: test + oos_test; CSV: all rows
)

var roleSplits = map[Role][]string{
	RoleTrain:       {"train", "oos_train"},
	RoleCalibration: {"val", "oos_val"},
	RoleTest:        {"test", "oos_test"},
}

// Examples returns the examples of the splits that serve role.
func (s *Set) Examples(role Role) []nlu.Example {
	if all, ok := s.Splits["all"]; ok && len(s.Splits) == 1 {
		if role == RoleCalibration {
			return nil
		}
		return all
	}
	var out []nlu.Example
	for _, name := range roleSplits[role] {
		out = append(out, s.Splits[name]...)
	}
	return out
}

// Load reads a CSV or CLINC150 JSON file, told apart by the first byte.
func Load(path string) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load dataset: %w", err)
	}
	s, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("load dataset %s: %w", path, err)
	}
	return s, nil
}

// Parse reads CSV or CLINC150 JSON from memory.
func Parse(data []byte) (*Set, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return parseCLINC(trimmed)
	}
	ex, err := ReadCSV(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return &Set{Splits: map[string][]nlu.Example{"all": ex}}, nil
}

func parseCLINC(data []byte) (*Set, error) {
	var raw map[string][][]string
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: clinc json: %w", errFormat, err)
	}
	s := &Set{Splits: map[string][]nlu.Example{}}
	for name, rows := range raw {
		ex := make([]nlu.Example, 0, len(rows))
		for i, r := range rows {
			if len(r) != 2 {
				return nil, fmt.Errorf("%w: %s[%d] has %d fields, want 2", errFormat, name, i, len(r))
			}
			ex = append(ex, nlu.Example{Text: r[0], Intent: r[1]})
		}
		s.Splits[name] = ex
	}
	return s, nil
}

// ReadCSV reads rows of a CSV whose header names the columns text and
// category (other columns are ignored).
func ReadCSV(r io.Reader) ([]nlu.Example, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: csv header: %w", errFormat, err)
	}
	if len(header) > 0 {
		header[0] = string(bytes.TrimPrefix([]byte(header[0]), []byte("\ufeff")))
	}
	ti, ci := slices.Index(header, "text"), slices.Index(header, "category")
	if ti < 0 || ci < 0 {
		return nil, fmt.Errorf("%w: csv header %q lacks text,category", errFormat, header)
	}
	var out []nlu.Example
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: csv: %w", errFormat, err)
		}
		if ti >= len(rec) || ci >= len(rec) {
			return nil, fmt.Errorf("%w: csv line %d: too few fields", errFormat, line)
		}
		out = append(out, nlu.Example{Text: rec[ti], Intent: rec[ci]})
	}
}

// WriteCSV writes examples with the header text,category.
func WriteCSV(w io.Writer, examples []nlu.Example) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"text", "category"}); err != nil {
		return err
	}
	for _, ex := range examples {
		if err := cw.Write([]string{ex.Text, ex.Intent}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
