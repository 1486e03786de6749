package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	reLink     = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	reAutolink = regexp.MustCompile(`<(https?://[^>]+)>`)
	reFence    = regexp.MustCompile("(?ms)^\\s*```.*?^\\s*```")
)

// The README and docs/ link only to files of the repository that exist: users have the
// repository, nothing else (loopback addresses in code samples are not links).
func TestLinksStayInRepository(t *testing.T) {
	pages, err := filepath.Glob(filepath.Join(docsDir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, filepath.Join(root, "README.md"))
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range pages {
		src, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		text := reFence.ReplaceAllString(string(src), "")
		for _, m := range reAutolink.FindAllStringSubmatch(text, -1) {
			t.Errorf("%s: links outside the repository: %s", page, m[1])
		}
		for _, m := range reLink.FindAllStringSubmatch(text, -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" {
				continue
			}
			if strings.Contains(target, ":") {
				t.Errorf("%s: links outside the repository: %s", page, m[1])
				continue
			}
			path, err := filepath.Abs(filepath.Join(filepath.Dir(page), target))
			if err != nil || !strings.HasPrefix(path, abs+string(filepath.Separator)) {
				t.Errorf("%s: link %s leaves the repository", page, m[1])
				continue
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s: link %s: %v", page, m[1], err)
			}
		}
	}
}
