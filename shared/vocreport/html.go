package vocreport

import (
	"bytes"
	"html/template"
)

// The HTML report is one self-contained page: inline CSS and SVG, no script, no external asset.
// html/template escapes every tenant text; the SVG is built by svg, which escapes its own.
var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Doc.Title}} · {{.Week}}</title>
<style>
body{font-family:"Helvetica Neue",Arial,"PingFang SC","Noto Sans CJK SC",sans-serif;color:#1a1a1a;margin:24px auto;max-width:860px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#666;margin:0 0 16px}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:8px}
.figure{border:1px solid #e3e3e3;border-radius:6px;padding:8px 10px}.figure .v{font-size:20px;font-weight:600}.figure .l{font-size:12px;color:#555}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #eee;padding:4px 6px;text-align:left}th{background:#f6f6f6}
.note{color:#555;font-size:13px}svg.chart{width:100%;max-width:100%;height:auto;font-family:inherit}
</style>
</head>
<body>
<h1>{{.Doc.Title}}</h1>
<p class="sub" id="subtitle">{{.Doc.Subtitle}}</p>
<section class="figures" id="headline">
{{range .Doc.Headline}}<div class="figure"><div class="v">{{.Value}}</div><div class="l">{{.Label}}</div></div>
{{end}}</section>
{{range .Blocks}}<section class="block">
<h2>{{.Heading}}</h2>
{{if .SVG}}{{.SVG}}
{{end}}{{with .Table}}<table><thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody></table>
{{end}}{{if .Note}}<p class="note">{{.Note}}</p>
{{end}}</section>
{{end}}<p class="note">生成于 Generated {{.Generated}} · 灵犀 Lingxi</p>
</body>
</html>
`))

type htmlBlock struct {
	block
	SVG template.HTML
}

// RenderHTML renders f as a self-contained HTML page.
func RenderHTML(f Figures) ([]byte, error) {
	d := layoutReport(f)
	blocks := make([]htmlBlock, len(d.Blocks))
	for i, b := range d.Blocks {
		blocks[i] = htmlBlock{block: b}
		if b.Chart != nil {
			// svg escapes every text it writes; the rest is numbers and fixed names.
			blocks[i].SVG = template.HTML(svg(b.Chart, chartW, b.ChartH, b.Heading)) //nolint:gosec
		}
	}
	var buf bytes.Buffer
	err := page.Execute(&buf, map[string]any{"Doc": d, "Week": f.Week, "Blocks": blocks,
		"Generated": f.GeneratedAt.UTC().Format("2006-01-02 15:04 UTC")})
	return buf.Bytes(), err
}
