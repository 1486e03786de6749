package docs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoExampleSamples: a `go example` block is the body of an Example test of the repository
// (an example_test.go, indented as gofmt writes it there), so `go test` runs and checks it.
func TestGoExampleSamples(t *testing.T) {
	var examples []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "example_test.go" {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			examples = append(examples, string(b))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range allBlocks(t) {
		if b.Info != "go example" {
			continue
		}
		var lines []string
		for line := range strings.SplitSeq(strings.TrimRight(b.Body, "\n"), "\n") {
			if line != "" {
				line = "\t" + line
			}
			lines = append(lines, line)
		}
		body := strings.Join(lines, "\n")
		found := false
		for _, ex := range examples {
			if strings.Contains(ex, "func Example") && strings.Contains(ex, body) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: the block is not the body of any Example test (an example_test.go)", b.Where())
		}
	}
}
