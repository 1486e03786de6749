package main

import "testing"

func TestSpliceSection(t *testing.T) {
	sec := spikeHeading + "\n\nnew figures\n\n"
	tests := map[string]struct{ doc, want string }{
		"empty":          {"", sec},
		"append":         {"# B\n\ntext\n", "# B\n\ntext\n\n" + sec},
		"before systems": {"# B\n\n## NLU\n\nx\n\n## Systems\n\ny\n", "# B\n\n## NLU\n\nx\n\n" + sec + "## Systems\n\ny\n"},
		"replace":        {"# B\n\n" + spikeHeading + "\n\nold figures\n\n## Systems\n\ny\n", "# B\n\n" + sec + "## Systems\n\ny\n"},
		"replace last":   {"# B\n\n" + spikeHeading + "\n\nold figures\n", "# B\n\n" + sec},
	}
	for name, tc := range tests {
		if got := spliceSection(tc.doc, sec); got != tc.want {
			t.Errorf("%s:\n%q\nwant\n%q", name, got, tc.want)
		}
	}
}
