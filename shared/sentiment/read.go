package sentiment

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxLine bounds one line of a data file (1 MiB).
const maxLine = 1 << 20

var (
	errNoTab      = errors.New("no tab between text and label")
	errCSLabel    = errors.New("label must be 0 or 1")
	errEmpty      = errors.New("no examples")
	errHeader     = errors.New("header must name the columns label and text")
	errFields     = errors.New("fewer fields than the header")
	errSemLabel   = errors.New("label must be negative, neutral or positive")
	errNotUTF8    = errors.New("not valid UTF-8")
	errLineTooBig = errors.New("line longer than 1 MiB")
)

// lines calls fn for each line of r with its 1-based number, without the
// line end. Empty lines are skipped.
func lines(r io.Reader, fn func(n int, line string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		if !utf8.ValidString(line) {
			return &LineError{Line: n, Err: errNotUTF8}
		}
		if err := fn(n, line); err != nil {
			return &LineError{Line: n, Err: err}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return &LineError{Line: n + 1, Err: errLineTooBig}
		}
		return err
	}
	return nil
}

// ReadChnSentiCorp reads ChnSentiCorp's format: one example a line,
// text<TAB>label, label 0 (negative) or 1 (positive), no header. The label
// is after the last tab. Errors name the line.
func ReadChnSentiCorp(r io.Reader) ([]Example, error) {
	var out []Example
	err := lines(r, func(n int, line string) error {
		i := strings.LastIndexByte(line, '\t')
		if i < 0 {
			return errNoTab
		}
		var l Label
		switch strings.TrimSpace(line[i+1:]) {
		case "0":
			l = Negative
		case "1":
			l = Positive
		default:
			return fmt.Errorf("%w, not %q", errCSLabel, clip(line[i+1:]))
		}
		out = append(out, Example{Text: line[:i], Label: l})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errEmpty
	}
	return out, nil
}

// ReadSemEval reads SemEval-2017 task 4A's TSV: a header row naming the
// columns, of which label (negative, neutral or positive) and text are
// read and the others ignored. The \uXXXX escapes and HTML entities the
// tweets were stored with are decoded. Errors name the line.
func ReadSemEval(r io.Reader) ([]Example, error) {
	var out []Example
	labelCol, textCol := -1, -1
	err := lines(r, func(n int, line string) error {
		fields := strings.Split(line, "\t")
		if labelCol < 0 {
			for i, f := range fields {
				switch strings.ToLower(strings.TrimSpace(f)) {
				case "label":
					labelCol = i
				case "text":
					textCol = i
				}
			}
			if labelCol < 0 || textCol < 0 {
				labelCol = -1
				return errHeader
			}
			return nil
		}
		if len(fields) <= max(labelCol, textCol) {
			return errFields
		}
		l := Label(strings.ToLower(strings.TrimSpace(fields[labelCol])))
		if !l.Valid() {
			return fmt.Errorf("%w, not %q", errSemLabel, clip(fields[labelCol]))
		}
		out = append(out, Example{Text: decodeTweet(fields[textCol]), Label: l})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if labelCol < 0 {
		return nil, &LineError{Line: 1, Err: errHeader}
	}
	if len(out) == 0 {
		return nil, errEmpty
	}
	return out, nil
}

// Format names a data file's layout for Read.
type Format string

// The formats Read knows.
const (
	FormatAuto         Format = "auto"
	FormatChnSentiCorp Format = "chnsenticorp"
	FormatSemEval      Format = "semeval"
)

// Read reads a data file in the given format. FormatAuto takes a file
// whose first line has tab-separated fields named label and text as
// SemEval's, and any other as ChnSentiCorp's.
func Read(r io.Reader, f Format) ([]Example, error) {
	switch f {
	case FormatChnSentiCorp:
		return ReadChnSentiCorp(r)
	case FormatSemEval:
		return ReadSemEval(r)
	case FormatAuto, "":
		br := bufio.NewReader(r)
		first, _ := br.Peek(4096)
		if i := bytes.IndexByte(first, '\n'); i >= 0 {
			first = first[:i]
		}
		if isSemEvalHeader(string(first)) {
			return ReadSemEval(br)
		}
		return ReadChnSentiCorp(br)
	}
	return nil, fmt.Errorf("sentiment: unknown format %q (auto, chnsenticorp, semeval)", f)
}

func isSemEvalHeader(line string) bool {
	var label, text bool
	for _, f := range strings.Split(strings.TrimPrefix(strings.TrimSuffix(line, "\r"), "\uFEFF"), "\t") {
		switch strings.ToLower(strings.TrimSpace(f)) {
		case "label":
			label = true
		case "text":
			text = true
		}
	}
	return label && text
}

// decodeTweet undoes \uXXXX escapes (with surrogate pairs) and HTML
// entities.
func decodeTweet(s string) string {
	if strings.Contains(s, `\u`) {
		var b strings.Builder
		for i := 0; i < len(s); {
			if r, n := escapeAt(s, i); n > 0 {
				if utf16.IsSurrogate(r) {
					if r2, n2 := escapeAt(s, i+n); n2 > 0 {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							b.WriteRune(d)
							i += n + n2
							continue
						}
					}
				}
				b.WriteRune(r)
				i += n
				continue
			}
			b.WriteByte(s[i])
			i++
		}
		s = b.String()
	}
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	return s
}

// escapeAt reads a \uXXXX escape at s[i:]: its rune and length, or 0.
func escapeAt(s string, i int) (rune, int) {
	if i+6 > len(s) || s[i] != '\\' || s[i+1] != 'u' {
		return 0, 0
	}
	v, err := strconv.ParseUint(s[i+2:i+6], 16, 32)
	if err != nil {
		return 0, 0
	}
	return rune(v), 6
}

// clip shortens a value quoted in an error.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	for i := 40; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return ""
}
