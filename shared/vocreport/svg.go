package vocreport

import (
	"fmt"
	"html"
	"strings"
)

// svg renders a chart's shapes as an inline SVG element; every text is escaped.
func svg(shapes []shape, w, h float64, title string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="%s" height="%s" viewBox="0 0 %s %s" role="img" aria-label="%s">`,
		num(w), num(h), num(w), num(h), html.EscapeString(title))
	for _, s := range shapes {
		switch s.kind {
		case shapeRect:
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s">`, num(s.x), num(s.y), num(s.w), num(s.h), hex(s.color))
			if s.title != "" {
				fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(s.title))
			}
			b.WriteString(`</rect>`)
		case shapeLine:
			fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(s.x), num(s.y), num(s.w), num(s.h), hex(s.color))
		case shapeDot:
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="%s" fill="%s"><title>%s</title></circle>`, num(s.x), num(s.y), num(s.w), hex(s.color), html.EscapeString(s.title))
		case shapeText:
			fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="%s" fill="%s" text-anchor="%s">%s</text>`,
				num(s.x), num(s.y), num(s.size), hex(s.color), s.anchor, html.EscapeString(s.text))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func hex(c RGB) string {
	return fmt.Sprintf("#%02x%02x%02x", int(c.R*255+0.5), int(c.G*255+0.5), int(c.B*255+0.5))
}
