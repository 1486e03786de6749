package vocreport

import (
	"math"
	"strconv"
)

// A chart is laid out once as shapes in a box with y growing downwards; svg.go draws them as
// SVG and pdfreport.go as PDF (flipping y), so both formats show the same chart.

type shapeKind int

const (
	shapeRect shapeKind = iota
	shapeLine
	shapeText
	shapeDot
)

type shape struct {
	kind       shapeKind
	x, y, w, h float64 // rect: corner and size; line: (x,y)→(w,h); text: baseline start; dot: centre, w radius
	color      RGB
	text       string
	size       float64 // text size
	anchor     string  // text: "start", "middle" or "end"
	title      string  // rect/dot: what it shows (SVG tooltip)
}

// series is one data series of a chart. NaN values are gaps.
type series struct {
	name   string
	color  RGB
	values []float64
}

var (
	colChat   = RGB{0.20, 0.45, 0.80}
	colVoice  = RGB{0.95, 0.60, 0.20}
	colRate   = RGB{0.80, 0.20, 0.25}
	colNeg    = RGB{0.55, 0.25, 0.65}
	colTopic  = RGB{0.15, 0.60, 0.50}
	colAxis   = RGB{0.45, 0.45, 0.45}
	colGrid   = RGB{0.88, 0.88, 0.88}
	colText   = RGB{0.10, 0.10, 0.10}
	colMuted  = RGB{0.40, 0.40, 0.40}
	chartFont = 8.0
)

const (
	chartLeft   = 40.0 // room for the axis labels
	chartBottom = 18.0 // room for the category labels
	chartTop    = 14.0 // room for the legend
)

// niceMax rounds v up to 1, 2 or 5 × a power of ten (at least 1).
func niceMax(v float64) float64 {
	if v <= 1 || math.IsNaN(v) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func label(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// frame draws the axes, grid and legend of a w×h chart whose values run 0..max.
func frame(w, h, max float64, cats []string, legend []series) []shape {
	var out []shape
	pw, ph := w-chartLeft-4, h-chartTop-chartBottom
	for i := 0; i <= 4; i++ {
		v := max * float64(i) / 4
		y := chartTop + ph - ph*float64(i)/4
		out = append(out, shape{kind: shapeLine, x: chartLeft, y: y, w: chartLeft + pw, h: y, color: colGrid})
		out = append(out, shape{kind: shapeText, x: chartLeft - 4, y: y + 3, text: label(v), size: chartFont, color: colMuted, anchor: "end"})
	}
	out = append(out, shape{kind: shapeLine, x: chartLeft, y: chartTop + ph, w: chartLeft + pw, h: chartTop + ph, color: colAxis})
	slot := pw / float64(max1(len(cats)))
	for i, c := range cats {
		out = append(out, shape{kind: shapeText, x: chartLeft + slot*(float64(i)+0.5), y: h - 5, text: c, size: chartFont, color: colMuted, anchor: "middle"})
	}
	x := chartLeft
	for _, s := range legend {
		out = append(out, shape{kind: shapeRect, x: x, y: 3, w: 8, h: 8, color: s.color})
		out = append(out, shape{kind: shapeText, x: x + 11, y: 10, text: s.name, size: chartFont, color: colText, anchor: "start"})
		x += 11 + textWidth(s.name, chartFont) + 12
	}
	return out
}

func max1(n int) int { return max(n, 1) }

// stackedBars lays out bars of the series stacked per category.
func stackedBars(w, h float64, cats []string, ss []series) []shape {
	top := 0.0
	for i := range cats {
		sum := 0.0
		for _, s := range ss {
			if v := s.values[i]; !math.IsNaN(v) {
				sum += v
			}
		}
		top = math.Max(top, sum)
	}
	max := niceMax(top)
	out := frame(w, h, max, cats, ss)
	pw, ph := w-chartLeft-4, h-chartTop-chartBottom
	slot := pw / float64(max1(len(cats)))
	for i, c := range cats {
		base := chartTop + ph
		for _, s := range ss {
			v := s.values[i]
			if math.IsNaN(v) || v <= 0 {
				continue
			}
			bh := ph * v / max
			out = append(out, shape{kind: shapeRect, x: chartLeft + slot*float64(i) + slot*0.2, y: base - bh, w: slot * 0.6, h: bh,
				color: s.color, title: c + " " + s.name + ": " + label(v)})
			base -= bh
		}
	}
	return out
}

// lines lays out the series as lines over the categories, with a dot per value.
func lines(w, h float64, cats []string, ss []series) []shape {
	top := 0.0
	for _, s := range ss {
		for _, v := range s.values {
			if !math.IsNaN(v) {
				top = math.Max(top, v)
			}
		}
	}
	max := niceMax(top)
	out := frame(w, h, max, cats, ss)
	pw, ph := w-chartLeft-4, h-chartTop-chartBottom
	slot := pw / float64(max1(len(cats)))
	for _, s := range ss {
		px, py, have := 0.0, 0.0, false
		for i, v := range s.values {
			if math.IsNaN(v) {
				have = false
				continue
			}
			x, y := chartLeft+slot*(float64(i)+0.5), chartTop+ph-ph*v/max
			if have {
				out = append(out, shape{kind: shapeLine, x: px, y: py, w: x, h: y, color: s.color})
			}
			out = append(out, shape{kind: shapeDot, x: x, y: y, w: 2.5, color: s.color, title: cats[i] + " " + s.name + ": " + label(v)})
			px, py, have = x, y, true
		}
	}
	return out
}

// hbars lays out one horizontal bar per item, its label on the left.
func hbars(w float64, names []string, values []float64, color RGB) ([]shape, float64) {
	const row, labelW = 16.0, 150.0
	top := 0.0
	for _, v := range values {
		top = math.Max(top, v)
	}
	max := niceMax(top)
	var out []shape
	bw := w - labelW - 40
	for i, n := range names {
		y := float64(i) * row
		out = append(out, shape{kind: shapeText, x: labelW - 6, y: y + 11, text: clip(n, labelW-10, chartFont), size: chartFont, color: colText, anchor: "end"})
		l := bw * values[i] / max
		out = append(out, shape{kind: shapeRect, x: labelW, y: y + 3, w: l, h: row - 6, color: color, title: n + ": " + label(values[i])})
		out = append(out, shape{kind: shapeText, x: labelW + l + 4, y: y + 11, text: label(values[i]), size: chartFont, color: colMuted, anchor: "start"})
	}
	return out, float64(len(names)) * row
}

// clip shortens s with "…" to fit width at size.
func clip(s string, width, size float64) string {
	if textWidth(s, size) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && textWidth(string(r)+"…", size) > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}
