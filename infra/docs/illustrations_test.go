package docs

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// Samples that show what the product prints or is configured with (a make command, log lines,
// benchmark output, a template excerpt), each checked against the code that makes it.

var reMakeTarget = regexp.MustCompile(`(?m)^([A-Za-z0-9_.-]+):`)

// TestMakeSamples: every `sh make` line is `make <target>` (optionally VAR=value arguments) for a
// target the Makefile defines.
func TestMakeSamples(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, m := range reMakeTarget.FindAllStringSubmatch(string(src), -1) {
		targets = append(targets, m[1])
	}
	for _, b := range blocksOf(t, "sh make") {
		for line := range strings.SplitSeq(strings.TrimSpace(b.Body), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 || f[0] != "make" {
				t.Errorf("%s: %q is not a make command", b.Where(), line)
				continue
			}
			for _, a := range f[1:] {
				if !strings.Contains(a, "=") && !slices.Contains(targets, a) {
					t.Errorf("%s: the Makefile has no target %q (it has %v)", b.Where(), a, targets)
				}
			}
		}
	}
}

var reFormat = regexp.MustCompile(`Fprintf\(r\.log, "((?:[^"\\]|\\.)*)"`)

// formatRegexp turns a Printf format into a regexp of what it prints.
func formatRegexp(format string) *regexp.Regexp {
	verbs := map[byte]string{'s': `.+`, 'v': `.+`, 'd': `-?\d+`, 'q': `"(?:[^"\\]|\\.)*"`}
	var re strings.Builder
	re.WriteString("^")
	for i := 0; i < len(format); i++ {
		if format[i] == '%' && i+1 < len(format) {
			if v, ok := verbs[format[i+1]]; ok {
				re.WriteString(v)
				i++
				continue
			}
		}
		re.WriteString(regexp.QuoteMeta(string(format[i])))
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String())
}

// TestLogSamples: each line of a `log emulators` block is one the emulators' supervisor prints
// (infra/emulators, its Fprintf formats) behind the prefix devstack gives its lines.
func TestLogSamples(t *testing.T) {
	var formats []*regexp.Regexp
	files, _ := filepath.Glob(filepath.Join(root, "infra/emulators/*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range reFormat.FindAllStringSubmatch(string(src), -1) {
			format, err := strconv.Unquote(`"` + m[1] + `"`)
			if err != nil {
				t.Fatal(err)
			}
			formats = append(formats, formatRegexp(strings.TrimSuffix(format, "\n")))
		}
	}
	if len(formats) == 0 {
		t.Fatal("found no log formats in infra/emulators")
	}
	const prefix = "[emulators] "
	stack, err := os.ReadFile(filepath.Join(root, "infra/devstack/stack.go"))
	if err != nil || !bytes.Contains(stack, []byte(`prefix: "`+prefix+`"`)) {
		t.Fatalf("devstack no longer prefixes the emulators' lines with %q (%v)", prefix, err)
	}
	for _, b := range blocksOf(t, "log emulators") {
		for line := range strings.SplitSeq(strings.TrimRight(b.Body, "\n"), "\n") {
			rest, ok := strings.CutPrefix(line, prefix)
			if !ok || !slices.ContainsFunc(formats, func(re *regexp.Regexp) bool { return re.MatchString(rest) }) {
				t.Errorf("%s: the emulators never print %q", b.Where(), line)
			}
		}
	}
}

// TestTemplateSamples: a `yaml template` block is an excerpt of template.yaml: every key it has is
// there, with the same values (tags such as !Ref included).
func TestTemplateSamples(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var tmpl yaml.Node
	if err := yaml.Unmarshal(src, &tmpl); err != nil {
		t.Fatal(err)
	}
	for _, b := range blocksOf(t, "yaml template") {
		var ex yaml.Node
		if err := yaml.Unmarshal([]byte(b.Body), &ex); err != nil {
			t.Fatalf("%s: %v", b.Where(), err)
		}
		// An excerpt starts at a resource: look it up under Resources.
		res := mapValue(tmpl.Content[0], "Resources")
		if res == nil {
			t.Fatal("template.yaml has no Resources")
		}
		if err := excerptOf(ex.Content[0], res, ""); err != nil {
			t.Errorf("%s: not in template.yaml: %v", b.Where(), err)
		}
	}
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func excerptOf(ex, in *yaml.Node, path string) error {
	switch ex.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(ex.Content); i += 2 {
			k := ex.Content[i].Value
			v := mapValue(in, k)
			if v == nil {
				return &excerptError{path + "/" + k, "no such key"}
			}
			if err := excerptOf(ex.Content[i+1], v, path+"/"+k); err != nil {
				return err
			}
		}
		return nil
	case yaml.ScalarNode:
		if in.Kind != yaml.ScalarNode || in.Value != ex.Value || in.Tag != ex.Tag {
			return &excerptError{path, "the template has " + in.Tag + " " + in.Value + ", the excerpt " + ex.Tag + " " + ex.Value}
		}
		return nil
	default:
		return &excerptError{path, "only mappings and scalars are compared"}
	}
}

type excerptError struct{ path, why string }

func (e *excerptError) Error() string { return e.path + ": " + e.why }

var (
	reBenchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)
	reMetric    = regexp.MustCompile(`[-+0-9.e]+\s+(\S+)`)
)

// benchShape is a benchmark output line's name (without the -GOMAXPROCS suffix) and metric units.
func benchShape(line string) (string, []string, bool) {
	m := reBenchLine.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return "", nil, false
	}
	var units []string
	for _, u := range reMetric.FindAllStringSubmatch(m[3], -1) {
		units = append(units, u[1])
	}
	return m[1], units, true
}

// TestBenchOutputSamples: an `output go-bench` block is what the `sh go-test` block before it on
// the page prints. The test runs that benchmark briefly (a few iterations: the figures are the
// page's, measured once) and checks that it reports each line's benchmark with the same metrics.
func TestBenchOutputSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("runs benchmarks")
	}
	if os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") == "" {
		t.Fatal("run under the emulators (go run ./infra/cmd/emulators -- go test ./infra/docs): the benchmarks need them")
	}
	all := allBlocks(t)
	for i, b := range all {
		if b.Info != "output go-bench" {
			continue
		}
		var cmd Block
		for j := i - 1; j >= 0 && all[j].File == b.File; j-- {
			if all[j].Info == "sh go-test" {
				cmd = all[j]
				break
			}
		}
		f := strings.Fields(cmd.Body)
		at := slices.Index(f, "test")
		if cmd.Body == "" || at < 0 {
			t.Fatalf("%s: no `sh go-test` block with a go test command before it", b.Where())
		}
		args := []string{"test"}
		for k := at + 1; k < len(f); k++ {
			switch f[k] {
			case "-benchtime", "-count":
				k++ // a short run instead
			default:
				args = append(args, strings.Trim(f[k], `'"`))
			}
		}
		args = append(args, "-benchtime", "3x", "-count", "1")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		c := exec.CommandContext(ctx, "go", args...)
		c.Dir = root
		out, err := c.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%s: go %s: %v\n%s", cmd.Where(), strings.Join(args, " "), err, out)
		}
		real := map[string][]string{}
		for line := range strings.SplitSeq(string(out), "\n") {
			if name, units, ok := benchShape(line); ok {
				real[name] = units
			}
		}
		for line := range strings.SplitSeq(strings.TrimRight(b.Body, "\n"), "\n") {
			name, units, ok := benchShape(line)
			switch {
			case !ok:
				t.Errorf("%s: %q is not a benchmark result line", b.Where(), line)
			case real[name] == nil:
				t.Errorf("%s: the run reports no %s:\n%s", b.Where(), name, out)
			case !slices.Equal(real[name], units):
				t.Errorf("%s: %s reports %v, the page shows %v", b.Where(), name, real[name], units)
			}
		}
	}
}
