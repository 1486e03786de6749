package template

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The media edge's container file builds a static arm64 binary of ./media-edge and runs it as a
// non-root user on a minimal base, exposing what the task definition maps; the production image
// carries no local speech engine. (No Docker engine runs here: this reads the file; `make
// edge-image-binary` builds the same binary.)
func TestEdgeDockerfile(t *testing.T) {
	b, err := os.ReadFile("../media-edge/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(string(b), "\\\n", " "), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	var froms []string
	for _, l := range lines {
		if strings.HasPrefix(l, "FROM ") {
			froms = append(froms, l)
		}
	}
	if len(froms) == 0 {
		t.Fatal("no FROM")
	}
	if final := froms[len(froms)-1]; !regexp.MustCompile(`^FROM (gcr\.io/distroless/static[-a-z0-9]*(:nonroot)?|scratch)$`).MatchString(final) {
		t.Errorf("final stage %q is not distroless static or scratch", final)
	}
	text := strings.Join(lines, "\n")
	for _, want := range []string{"CGO_ENABLED=0", "ARG TARGETARCH=arm64", "GOARCH=$TARGETARCH", "./media-edge", "USER nonroot", `ENTRYPOINT ["/media-edge"]`} {
		if !strings.Contains(text, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	for _, banned := range []string{"espeak", "pocketsphinx", "apt-get", "apk add"} {
		if strings.Contains(text, banned) {
			t.Errorf("the production image installs %q", banned)
		}
	}
	// It exposes what the task definition maps, with the template's default RTP range.
	tpl := load(t)
	rtp := fmt.Sprintf("%s-%s/udp", *tpl.Parameters["EdgeRtpPortMin"].Default, *tpl.Parameters["EdgeRtpPortMax"].Default)
	if !strings.Contains(text, "EXPOSE 5060/udp 5060/tcp 5061/tcp "+rtp) {
		t.Errorf("EXPOSE does not match the task definition's ports and the default RTP range %s", rtp)
	}
}
