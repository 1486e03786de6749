package sentiment

import (
	"errors"
	"strings"
	"testing"
)

func TestReadChnSentiCorp(t *testing.T) {
	got, err := ReadChnSentiCorp(strings.NewReader("\uFEFF房间很干净\t1\r\n\n太吵了，睡不好\t0\n带\t制表符的文本\t1\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Example{{Text: "房间很干净", Label: Positive}, {Text: "太吵了，睡不好", Label: Negative}, {Text: "带\t制表符的文本", Label: Positive}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestReadSemEvalColumnsByName(t *testing.T) {
	in := "source\ttext\tid\tLabel\n" +
		"a\tI love it\\u002c really\t1\tpositive\n" +
		"b\tmeh &amp; whatever \\ud83d\\ude00\t2\tneutral\n" +
		"c\tworst day\t3\tNEGATIVE\n"
	got, err := ReadSemEval(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Example{{Text: "I love it, really", Label: Positive}, {Text: "meh & whatever 😀", Label: Neutral}, {Text: "worst day", Label: Negative}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestReadErrorsNameTheLine(t *testing.T) {
	cases := []struct {
		name, in string
		format   Format
		line     int
		msg      string
	}{
		{"no tab", "好\t1\n不好\n", FormatChnSentiCorp, 2, "no tab"},
		{"bad label", "好\t1\n\n不好\t2\n", FormatChnSentiCorp, 3, "0 or 1"},
		{"no header", "1\tpositive\tgood\n", FormatSemEval, 1, "header"},
		{"short row", "id\tlabel\ttext\n1\tpositive\tok\n2\tneutral\n", FormatSemEval, 3, "fewer fields"},
		{"bad semeval label", "label\ttext\npositive\tok\nmixed\thm\n", FormatSemEval, 3, "negative, neutral or positive"},
		{"invalid utf-8", "ok\t1\n\xff\xfe\t0\n", FormatAuto, 2, "UTF-8"},
		{"too long", "ok\t1\n" + strings.Repeat("x", maxLine+10) + "\t1\n", FormatChnSentiCorp, 2, "longer"},
	}
	for _, tc := range cases {
		_, err := Read(strings.NewReader(tc.in), tc.format)
		var le *LineError
		if !errors.As(err, &le) || le.Line != tc.line || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want line %d containing %q", tc.name, err, tc.line, tc.msg)
		}
	}
	if _, err := ReadChnSentiCorp(strings.NewReader("\n\n")); err == nil {
		t.Error("an empty file read without error")
	}
}

func TestReadAutoDetects(t *testing.T) {
	ex, err := Read(strings.NewReader("id\tlabel\ttext\n1\tneutral\tok then\n"), FormatAuto)
	if err != nil || len(ex) != 1 || ex[0].Label != Neutral {
		t.Fatalf("semeval: %v %v", ex, err)
	}
	ex, err = Read(strings.NewReader("label text\t1\n"), FormatAuto)
	if err != nil || len(ex) != 1 || ex[0].Label != Positive {
		t.Fatalf("chnsenticorp: %v %v", ex, err)
	}
}

func FuzzReadChnSentiCorp(f *testing.F) {
	f.Add("房间很干净\t1\n太吵了\t0\n")
	f.Add("\uFEFFa\tb\t1\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		ex, err := ReadChnSentiCorp(strings.NewReader(in))
		for _, e := range ex {
			if !e.Label.Valid() {
				t.Fatalf("invalid label %q", e.Label)
			}
		}
		if err == nil && len(ex) == 0 {
			t.Fatal("no examples and no error")
		}
	})
}

func FuzzReadSemEval(f *testing.F) {
	f.Add("id\tlabel\ttext\n1\tpositive\tgood \\u002c &amp;\n")
	f.Add("text\tlabel\n\\ud83d\\ude00\tnegative\n")
	f.Fuzz(func(t *testing.T, in string) {
		ex, err := ReadSemEval(strings.NewReader(in))
		for _, e := range ex {
			if !e.Label.Valid() {
				t.Fatalf("invalid label %q", e.Label)
			}
		}
		if err == nil && len(ex) == 0 {
			t.Fatal("no examples and no error")
		}
	})
}
