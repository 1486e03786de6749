package vocreport

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Independent readers accept the PDF: qpdf finds no syntax or stream error, pdffonts lists the two
// fonts unembedded, and pdftotext (poppler, with poppler-data's Adobe-GB1 tables) reads the Chinese
// and Latin text back. make deps installs qpdf, poppler-utils and poppler-data; a machine without
// them skips this test (TestRenderPDF checks the structure with no tool).
func TestPDFReadersAcceptIt(t *testing.T) {
	for _, tool := range []string{"qpdf", "pdffonts", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (make deps installs it)", tool)
		}
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, RenderPDF(sampleFigures(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(name string, args ...string) string {
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		return string(out)
	}
	if out := run("qpdf", "--check", path); !strings.Contains(out, "No syntax or stream encoding errors") {
		t.Fatalf("qpdf --check:\n%s", out)
	}
	fonts := run("pdffonts", path)
	for _, want := range []string{"Helvetica", "STSong-Light", "UniGB-UCS2-H"} {
		if !strings.Contains(fonts, want) {
			t.Errorf("pdffonts lacks %s:\n%s", want, fonts)
		}
	}
	for _, line := range strings.Split(fonts, "\n")[2:] {
		if f := strings.Fields(line); len(f) > 4 && f[len(f)-5] != "no" {
			t.Errorf("an embedded font: %s", line)
		}
	}
	text := run("pdftotext", path, "-")
	for _, want := range []string{"VOC 周报 Weekly voice-of-the-customer report", "万求率", "APP 登录失败 <login>", "王芳", "积分兑换", "1130"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext does not read %q", want)
		}
	}
}
