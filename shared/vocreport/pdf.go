package vocreport

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
)

// A small PDF 1.4 writer: A4 pages of text, lines and filled rectangles, which is all the report
// needs. Latin text uses the standard Type 1 font Helvetica (WinAnsiEncoding); every other
// character uses the predefined CJK font STSong-Light through the predefined CMap UniGB-UCS2-H
// (Adobe-GB1), so no font is embedded: a conforming reader supplies both. Content streams are
// left uncompressed. Coordinates are PDF points with the origin at the page's bottom left.

// A4 in points.
const (
	pageWidth  = 595.0
	pageHeight = 842.0
)

// RGB is a colour, each component 0–1.
type RGB struct{ R, G, B float64 }

func (c RGB) String() string { return num(c.R) + " " + num(c.G) + " " + num(c.B) }

// PDF is a document being written. Add pages with AddPage; Bytes writes the file.
type PDF struct {
	pages []*Page
}

// Page is one page's content.
type Page struct {
	buf bytes.Buffer
}

// AddPage starts a new A4 page.
func (d *PDF) AddPage() *Page {
	p := &Page{}
	d.pages = append(d.pages, p)
	return p
}

// Rect fills a rectangle with its bottom-left corner at (x, y).
func (p *Page) Rect(x, y, w, h float64, fill RGB) {
	fmt.Fprintf(&p.buf, "%s rg %s %s %s %s re f\n", fill, num(x), num(y), num(w), num(h))
}

// Line strokes a line.
func (p *Page) Line(x1, y1, x2, y2, width float64, c RGB) {
	fmt.Fprintf(&p.buf, "%s RG %s w %s %s m %s %s l S\n", c, num(width), num(x1), num(y1), num(x2), num(y2))
}

// Text writes s with its baseline starting at (x, y), in runs of Helvetica (ASCII) and
// STSong-Light (everything else; characters outside the Basic Multilingual Plane become "?").
func (p *Page) Text(x, y, size float64, c RGB, s string) {
	for _, r := range runs(s) {
		font, str := "F1", helvString(r.text)
		if r.cjk {
			font, str = "F2", ucs2Hex(r.text)
		}
		fmt.Fprintf(&p.buf, "BT %s rg /%s %s Tf %s %s Td %s Tj ET\n", c, font, num(size), num(x), num(y), str)
		x += textWidth(r.text, size)
	}
}

type run struct {
	text string
	cjk  bool
}

// runs splits s into ASCII and non-ASCII runs; control characters become spaces.
func runs(s string) []run {
	var out []run
	var cur strings.Builder
	cjk := false
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, run{cur.String(), cjk})
			cur.Reset()
		}
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			r = ' '
		}
		if r > 0xffff {
			r = '?'
		}
		isCJK := r > 0x7e
		if isCJK != cjk {
			flush()
			cjk = isCJK
		}
		cur.WriteRune(r)
	}
	flush()
	return out
}

// helvWidths are Helvetica's advance widths (thousandths of an em) of ASCII 32–126.
var helvWidths = [95]int{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
}

// textWidth is s's advance at size: Helvetica's widths for ASCII, a full em for the rest
// (STSong-Light's CJK glyphs are full width; the font's DW is 1000).
func textWidth(s string, size float64) float64 {
	w := 0
	for _, r := range s {
		if r >= 32 && r <= 126 {
			w += helvWidths[r-32]
		} else {
			w += 1000
		}
	}
	return float64(w) * size / 1000
}

// helvString is a PDF literal string of ASCII text.
func helvString(s string) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '(', ')', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(')')
	return b.String()
}

// ucs2Hex is a PDF hex string of s in UCS-2 big-endian, the codes UniGB-UCS2-H maps to CIDs.
func ucs2Hex(s string) string {
	var b strings.Builder
	b.WriteByte('<')
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteByte('>')
	return b.String()
}

// num formats a coordinate with at most two decimals.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}

// Bytes writes the document: header, objects, cross-reference table, trailer.
func (d *PDF) Bytes() []byte {
	var out bytes.Buffer
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, out.Len())
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	const fixed = 6 // catalog, pages, two fonts, the CIDFont, its descriptor
	kids := make([]string, len(d.pages))
	for i := range d.pages {
		kids[i] = fmt.Sprintf("%d 0 R", fixed+1+2*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(d.pages)))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	obj("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [5 0 R] >>")
	obj("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light " +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 6 0 R /DW 1000 >>")
	obj("<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] " +
		"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>")
	for i, p := range d.pages {
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] "+
			"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>", num(pageWidth), num(pageHeight), fixed+2+2*i))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", p.buf.Len()+0, p.buf.String()))
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return out.Bytes()
}
