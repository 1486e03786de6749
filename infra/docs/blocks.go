// Package docs checks the product documentation in docs/: every code sample in it is run by a
// test of this package (docs/README.md lists the conventions), and every problem type the code
// defines is documented in docs/errors.md.
package docs

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Block is one fenced code block of a Markdown page.
type Block struct {
	File string // the page's base name
	Line int    // the line of the opening fence (1-based)
	Info string // the info string after the fence, trimmed ("json flow")
	Body string // the block's lines without the fence's indentation, each ending in "\n"
}

// Where names the block for test messages.
func (b Block) Where() string { return fmt.Sprintf("%s:%d", b.File, b.Line) }

// Blocks returns the fenced code blocks (``` fences, indented or not) of every .md file in dir,
// in file-name order and then in page order.
func Blocks(dir string) ([]Block, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	var out []Block
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		bs, err := parse(filepath.Base(f), data)
		if err != nil {
			return nil, err
		}
		out = append(out, bs...)
	}
	return out, nil
}

func parse(name string, data []byte) ([]Block, error) {
	var out []Block
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cur *Block
	indent := ""
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimLeft(line, " ")
		if cur == nil {
			if rest, ok := strings.CutPrefix(trimmed, "```"); ok {
				indent = line[:len(line)-len(trimmed)]
				cur = &Block{File: name, Line: n, Info: strings.TrimSpace(rest)}
			}
			continue
		}
		if strings.TrimSpace(line) == "```" {
			out = append(out, *cur)
			cur = nil
			continue
		}
		cur.Body += strings.TrimPrefix(line, indent) + "\n"
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: code block without its closing fence", name, cur.Line)
	}
	return out, nil
}
