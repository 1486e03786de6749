package vocreport

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// The report as a format-neutral document: headline figures, then blocks of a heading with a
// chart, a table or a note. html.go and pdfreport.go render the same document, built from the
// same Figures, so the two formats cannot disagree.

type figure struct{ Label, Value string }

type table struct {
	Head []string
	Rows [][]string
}

type block struct {
	Heading string
	Chart   []shape // laid out in ChartW × ChartH
	ChartH  float64
	Table   *table
	Note    string
}

type document struct {
	Title    string
	Subtitle string
	Headline []figure
	Blocks   []block
}

// chartW is the width every chart is laid out at (points in the PDF, pixels in the HTML).
const chartW = 515.0

const dash = "–"

func fmtF(v *float64, digits int, unit string) string {
	if v == nil || math.IsNaN(*v) {
		return dash
	}
	return strconv.FormatFloat(*v, 'f', digits, 64) + unit
}

func fmtScoreMean(s Score) string {
	if s.CSATCount == 0 {
		return dash
	}
	return fmt.Sprintf("%.2f", s.CSATMean)
}

func fmtPct(s Score) string {
	if s.CSATCount == 0 {
		return dash
	}
	return fmt.Sprintf("%.1f%%", s.CSATPercent)
}

func fmtNPS(s Score) string {
	if s.NPSCount == 0 {
		return dash
	}
	return fmt.Sprintf("%+.0f", s.NPS)
}

func txSourceText(s string) string {
	switch s {
	case TxImport:
		return "导入 imported"
	case TxBusinessEvents:
		return "业务事件 business events"
	case TxMixed:
		return "导入与业务事件 imported and business events"
	}
	return "无 none"
}

func nan(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

// layoutReport is the document of f.
func layoutReport(f Figures) document {
	loc, err := time.LoadLocation(f.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	d := document{
		Title: "VOC 周报 Weekly voice-of-the-customer report",
		Subtitle: fmt.Sprintf("%s · %s · %s – %s (%s)", f.Tenant, f.Week, f.From.In(loc).Format(time.DateOnly),
			f.To.In(loc).AddDate(0, 0, -1).Format(time.DateOnly), f.TimeZone),
	}
	if f.Partial {
		d.Subtitle += " · 未完结周 partial week"
	}
	var tx string
	if f.Transactions != nil {
		tx = strconv.FormatInt(*f.Transactions, 10)
	} else {
		tx = dash
	}
	d.Headline = []figure{
		{"联络量 Contacts", strconv.Itoa(f.Contacts)},
		{"交易量 Transactions", tx},
		{"万求率 Contacts per 10,000 transactions", fmtF(f.Rate, 2, "")},
		{"CSAT 均分 CSAT mean", fmtScoreMean(f.Satisfaction.Overall)},
		{"CSAT 满意率 CSAT % (4–5)", fmtPct(f.Satisfaction.Overall)},
		{"NPS", fmtNPS(f.Satisfaction.Overall)},
		{"负面情绪占比 Negative sentiment", fmtF(f.NegativeShare, 1, "%")},
		{"质检均分 QA mean", qaMean(f.QA)},
		{"告警 Alerts", strconv.Itoa(len(f.Alerts))},
		{"告警处理中位时长 Median resolution", fmtF(f.MedianResolutionMinutes, 0, " min")},
	}

	cats := make([]string, len(f.Days))
	chat, voice, rates, neg := make([]float64, len(f.Days)), make([]float64, len(f.Days)), make([]float64, len(f.Days)), make([]float64, len(f.Days))
	rows := make([][]string, 0, len(f.Days)+1)
	for i, day := range f.Days {
		cats[i] = day.Date[5:]
		chat[i], voice[i] = float64(day.Chat), float64(day.Voice)
		rates[i], neg[i] = nan(day.Rate), nan(day.NegativeShare)
		t := dash
		if day.Transactions != nil {
			t = strconv.FormatInt(*day.Transactions, 10)
		}
		rows = append(rows, []string{day.Date, strconv.Itoa(day.Chat), strconv.Itoa(day.Voice), strconv.Itoa(day.Contacts), t,
			fmtF(day.Rate, 2, ""), fmtF(day.NegativeShare, 1, "%")})
	}
	rows = append(rows, []string{"合计 Week", sum(f.Days, func(d Day) int { return d.Chat }), sum(f.Days, func(d Day) int { return d.Voice }),
		strconv.Itoa(f.Contacts), tx, fmtF(f.Rate, 2, ""), fmtF(f.NegativeShare, 1, "%")})
	d.Blocks = append(d.Blocks,
		block{Heading: "联络量 Contacts per day", ChartH: 170,
			Chart: stackedBars(chartW, 170, cats, []series{{"在线 chat", colChat, chat}, {"语音 voice", colVoice, voice}})},
		block{Heading: "万求率 Contacts per 10,000 transactions", ChartH: 150,
			Chart: lines(chartW, 150, cats, []series{{"万求率 rate", colRate, rates}}),
			Note:  "交易量来源 Transactions from: " + txSourceText(f.TxSource) + ". 万求率 = 联络量 ÷ 交易量 × 10,000 (rate = contacts / transactions × 10,000)."},
		block{Heading: "每日明细 Daily figures", Table: &table{
			Head: []string{"日期 Date", "在线 Chat", "语音 Voice", "联络 Contacts", "交易 Transactions", "万求率 Rate", "负面 Negative"}, Rows: rows}},
		block{Heading: "负面情绪占比 Negative sentiment share per day (%)", ChartH: 150,
			Chart: lines(chartW, 150, cats, []series{{"负面 negative %", colNeg, neg}})},
	)

	sat := f.Satisfaction
	satRows := [][]string{{"全部 Overall", "", strconv.Itoa(sat.Overall.CSATCount), fmtScoreMean(sat.Overall), fmtPct(sat.Overall), fmtNPS(sat.Overall)}}
	for _, g := range limit(sat.ByQueue, 8) {
		satRows = append(satRows, groupRow("队列 Queue", g))
	}
	for _, g := range limit(sat.ByIntent, 8) {
		satRows = append(satRows, groupRow("意图 Intent", g))
	}
	d.Blocks = append(d.Blocks, block{Heading: "满意度 Satisfaction", Table: &table{
		Head: []string{"维度 By", "名称 Name", "答卷 Answers", "CSAT 均分 Mean", "CSAT %", "NPS"}, Rows: satRows}})

	if len(f.TopTopics) > 0 {
		names, vals := make([]string, len(f.TopTopics)), make([]float64, len(f.TopTopics))
		for i, tc := range f.TopTopics {
			names[i], vals[i] = nameOr(tc.Name, tc.Key), float64(tc.Count)
		}
		shapes, h := hbars(chartW, names, vals, colTopic)
		d.Blocks = append(d.Blocks, block{Heading: "热门话题 Top topics", Chart: shapes, ChartH: h})
	} else {
		d.Blocks = append(d.Blocks, block{Heading: "热门话题 Top topics", Note: "本周无话题数据 No topics this week."})
	}
	risingRows := make([][]string, 0, len(f.RisingTopics))
	for _, r := range f.RisingTopics {
		ch := "新 new"
		if r.ChangePct != nil {
			ch = fmt.Sprintf("%+.0f%%", *r.ChangePct)
		}
		risingRows = append(risingRows, []string{nameOr(r.Name, r.Key), strconv.Itoa(r.Count), strconv.Itoa(r.Previous), fmt.Sprintf("%+d", r.Change), ch})
	}
	d.Blocks = append(d.Blocks, tableOrNote("上升话题 Rising topics", []string{"话题 Topic", "本周 This week", "上周 Last week", "变化 Change", "增幅 Change %"},
		risingRows, "没有上升的话题 No rising topics."))

	alertRows := make([][]string, 0, len(f.Alerts))
	for _, a := range f.Alerts {
		res := "未解决 open"
		if a.ResolutionMinutes != nil {
			res = fmt.Sprintf("%.0f min", *a.ResolutionMinutes)
		}
		alertRows = append(alertRows, []string{a.Topic, a.Kind, a.Onset.In(loc).Format("2006-01-02 15:04"), res})
	}
	d.Blocks = append(d.Blocks, tableOrNote("告警 Alerts", []string{"话题 Topic", "类型 Kind", "开始 Onset", "处理时长 Resolution"},
		alertRows, "本周无告警 No alerts this week."))

	qaRows := make([][]string, 0, len(f.QA.Agents))
	for _, a := range limit(f.QA.Agents, 20) {
		qaRows = append(qaRows, []string{nameOr(a.Name, a.ID), strconv.Itoa(a.Count), fmt.Sprintf("%.1f", a.Mean)})
	}
	d.Blocks = append(d.Blocks, tableOrNote(fmt.Sprintf("质检 Quality (%s 份 contacts, 均分 mean %s)", strconv.Itoa(f.QA.Count), qaMean(f.QA)),
		[]string{"坐席 Agent", "质检数 Inspected", "均分 Mean"}, qaRows, "本周无质检结果 No inspected contacts this week."))
	return d
}

func qaMean(q QA) string {
	if q.Count == 0 {
		return dash
	}
	return fmt.Sprintf("%.1f", q.Mean)
}

func groupRow(by string, g Group) []string {
	return []string{by, nameOr(g.Name, g.Key), strconv.Itoa(g.Score.CSATCount), fmtScoreMean(g.Score), fmtPct(g.Score), fmtNPS(g.Score)}
}

func tableOrNote(heading string, head []string, rows [][]string, none string) block {
	if len(rows) == 0 {
		return block{Heading: heading, Note: none}
	}
	return block{Heading: heading, Table: &table{Head: head, Rows: rows}}
}

func nameOr(name, key string) string {
	if name != "" {
		return name
	}
	return key
}

func limit[T any](s []T, n int) []T { return s[:min(n, len(s))] }

func sum(days []Day, f func(Day) int) string {
	n := 0
	for _, d := range days {
		n += f(d)
	}
	return strconv.Itoa(n)
}
