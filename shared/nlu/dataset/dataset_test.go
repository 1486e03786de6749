package dataset

import (
	"bytes"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/shared/nlu"
)

const clincSample = `{"train": [["how do i say hello in french", "translate"], ["what's my balance", "balance"]],
 "oos_train": [["tell me a joke", "oos"]],
 "val": [["say thanks in german", "translate"]], "oos_val": [["sing", "oos"]],
 "test": [["balance please", "balance"]], "oos_test": [["who is batman", "oos"]]}`

func TestParseCLINC(t *testing.T) {
	s, err := Parse([]byte(clincSample))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[Role][]string{
		RoleTrain:       {"translate", "balance", "oos"},
		RoleCalibration: {"translate", "oos"},
		RoleTest:        {"balance", "oos"},
	}
	for role, want := range tests {
		got := s.Examples(role)
		if len(got) != len(want) {
			t.Fatalf("role %d: %d examples, want %d", role, len(got), len(want))
		}
		for i, ex := range got {
			if ex.Intent != want[i] {
				t.Errorf("role %d example %d: %q, want %q", role, i, ex.Intent, want[i])
			}
		}
	}
}

func TestCSVRoundTrip(t *testing.T) {
	in := []nlu.Example{{Text: `I said "hi", then left`, Intent: "greet"}, {Text: "我的卡丢了", Intent: "card_lost"}}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, in); err != nil {
		t.Fatal(err)
	}
	s, err := Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got := s.Examples(RoleTrain)
	if len(got) != 2 || got[0] != in[0] || got[1] != in[1] {
		t.Errorf("round trip = %+v", got)
	}
	if len(s.Examples(RoleCalibration)) != 0 || len(s.Examples(RoleTest)) != 2 {
		t.Error("CSV roles: want all rows for train and test, none for calibration")
	}
}

func TestParseErrors(t *testing.T) {
	for name, in := range map[string]string{
		"no category column": "text,label\nhi,greet\n",
		"bad clinc row":      `{"train": [["only text"]]}`,
		"bad json":           `{"train": `,
		"empty":              "",
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// FuzzParse: data files come from tenants; the parser must not panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(clincSample))
	f.Add([]byte("text,category\nhello,greet\n\"a,b\",c\n"))
	f.Add([]byte("\ufefftext,category\n"))
	f.Add([]byte(`{"train": [[1, 2]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			return
		}
		for _, role := range []Role{RoleTrain, RoleCalibration, RoleTest} {
			for _, ex := range s.Examples(role) {
				_ = strings.TrimSpace(ex.Text)
			}
		}
	})
}
