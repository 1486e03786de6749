package vocreport

import "strings"

// RenderPDF lays f out on A4 pages with the PDF writer: the same document as the HTML.
func RenderPDF(f Figures) []byte {
	d := layoutReport(f)
	const margin, bottom = 40.0, 40.0
	var doc PDF
	p := doc.AddPage()
	y := pageHeight - margin
	room := func(h float64) {
		if y-h < bottom {
			p = doc.AddPage()
			y = pageHeight - margin
		}
	}
	text := func(x float64, size float64, c RGB, s string) { p.Text(x, y, size, c, s) }

	y -= 16
	text(margin, 16, colText, d.Title)
	y -= 16
	text(margin, 9, colMuted, d.Subtitle)
	y -= 14
	// Headline figures: two columns.
	for i, fg := range d.Headline {
		if i%2 == 0 {
			y -= 16
			room(16)
		}
		x := margin + float64(i%2)*(chartW/2)
		p.Text(x, y, 9, colMuted, clip(fg.Label, 190, 9))
		p.Text(x+195, y, 10, colText, fg.Value)
	}
	y -= 8
	for _, b := range d.Blocks {
		room(40)
		y -= 24
		text(margin, 12, colText, b.Heading)
		p.Line(margin, y-4, margin+chartW, y-4, 0.5, colGrid)
		y -= 10
		if b.Chart != nil {
			room(b.ChartH)
			top := y
			for _, s := range b.Chart {
				drawPDF(p, s, margin, top)
			}
			y -= b.ChartH
		}
		if b.Table != nil {
			colW := chartW / float64(len(b.Table.Head))
			row := func(cells []string, c RGB, size float64) {
				y -= 13
				room(13)
				for i, cell := range cells {
					p.Text(margin+float64(i)*colW, y, size, c, clip(cell, colW-4, size))
				}
			}
			row(b.Table.Head, colMuted, 8)
			for _, r := range b.Table.Rows {
				row(r, colText, 8.5)
			}
		}
		for _, line := range wrap(b.Note, chartW, 8) {
			y -= 11
			room(11)
			text(margin, 8, colMuted, line)
		}
	}
	return doc.Bytes()
}

// drawPDF draws one chart shape of a chart whose top-left corner is at (left, top) on the page.
func drawPDF(p *Page, s shape, left, top float64) {
	switch s.kind {
	case shapeRect:
		p.Rect(left+s.x, top-s.y-s.h, s.w, s.h, s.color)
	case shapeLine:
		p.Line(left+s.x, top-s.y, left+s.w, top-s.h, 0.8, s.color)
	case shapeDot:
		p.Rect(left+s.x-s.w, top-s.y-s.w, 2*s.w, 2*s.w, s.color)
	case shapeText:
		x := left + s.x
		switch s.anchor {
		case "middle":
			x -= textWidth(s.text, s.size) / 2
		case "end":
			x -= textWidth(s.text, s.size)
		}
		p.Text(x, top-s.y, s.size, s.color, s.text)
	}
}

// wrap breaks s into lines no wider than width at size: at spaces where it can, else (a run of
// Chinese, a long word) at any character.
func wrap(s string, width, size float64) []string {
	var lines []string
	var cur []rune
	lastSpace := -1
	for _, r := range s {
		cur = append(cur, r)
		if r == ' ' {
			lastSpace = len(cur) - 1
		}
		if textWidth(string(cur), size) <= width {
			continue
		}
		cut := len(cur) - 1
		if lastSpace > 0 {
			cut = lastSpace
		}
		lines = append(lines, strings.TrimRight(string(cur[:cut]), " "))
		cur = []rune(strings.TrimLeft(string(cur[cut:]), " "))
		lastSpace = -1
		for i, c := range cur {
			if c == ' ' {
				lastSpace = i
			}
		}
	}
	if len(cur) > 0 {
		lines = append(lines, string(cur))
	}
	return lines
}
