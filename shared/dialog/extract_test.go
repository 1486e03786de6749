package dialog_test

import (
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/dialog"
)

func TestDetectLanguage(t *testing.T) {
	tests := map[string]struct {
		text string
		want dialog.Lang
	}{
		"english":               {"I lost my card", dialog.LangEn},
		"chinese":               {"我的卡丢了", dialog.LangZh},
		"digits only":           {"1234", dialog.LangUnknown},
		"empty":                 {"", dialog.LangUnknown},
		"dtmf keys":             {"#*", dialog.LangUnknown},
		"mostly chinese":        {"我的卡 ending 1234", dialog.LangZh},
		"english with a name":   {"My name is 王伟", dialog.LangEn},
		"full-width latin":      {"ＨＥＬＬＯ", dialog.LangEn},
		"one chinese character": {"是", dialog.LangZh},
		"chinese punctuation":   {"好的，谢谢！", dialog.LangZh},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := dialog.DetectLanguage(tc.text); got != tc.want {
				t.Errorf("DetectLanguage(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestYesNo(t *testing.T) {
	const (
		yes     = "yes"
		no      = "no"
		neither = "neither"
	)
	tests := map[string]struct {
		text string
		want string
	}{
		"zh 是":                 {"是", yes},
		"zh 是的":                {"是的", yes},
		"zh 对":                 {"对", yes},
		"zh 对的 with period":    {"对的。", yes},
		"zh 好的":                {"好的", yes},
		"zh 确认":                {"确认", yes},
		"zh 没错":                {"没错", yes},
		"zh 是的没错":              {"是的，没错", yes},
		"zh 嗯":                 {"嗯", yes},
		"zh 可以的":               {"可以的", yes},
		"zh 我确认":               {"我确认", yes},
		"zh 对是我的卡":             {"对，是我的卡", yes},
		"en yes":               {"yes", yes},
		"en Yeah":              {"Yeah", yes},
		"en yep":               {"yep!", yes},
		"en correct":           {"correct", yes},
		"en Confirm":           {"Confirm", yes},
		"en that's right":      {"that's right", yes},
		"en yes please":        {"yes please", yes},
		"en sure":              {"sure", yes},
		"en full-width YES":    {"ＹＥＳ", yes},
		"en no problem":        {"no problem", yes},
		"en go ahead":          {"go ahead", yes},
		"zh 不":                 {"不", no},
		"zh 不是":                {"不是", no},
		"zh 不对":                {"不对", no},
		"zh 取消":                {"取消", no},
		"zh 否":                 {"否", no},
		"zh 不要":                {"不要", no},
		"zh 算了":                {"算了吧", no},
		"zh 不是我的卡":             {"不是我的卡", no},
		"zh 帮我取消":              {"帮我取消", no},
		"en no":                {"no", no},
		"en nope":              {"Nope.", no},
		"en cancel":            {"cancel", no},
		"en no cancel it":      {"No, cancel it", no},
		"en not correct":       {"not correct", no},
		"en that's wrong":      {"that's wrong", no},
		"en don't":             {"don't", no},
		"empty":                {"", neither},
		"en maybe":             {"maybe", neither},
		"zh 我不确定":              {"我不确定", neither},
		"en question":          {"what do you mean?", neither},
		"digits":               {"1234", neither},
		"en yes but dont":      {"yes, but don't", neither},
		"zh unrelated":         {"我想查余额", neither},
		"en typographic don’t": {"don’t", no},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			y, n := dialog.IsYes(tc.text), dialog.IsNo(tc.text)
			got := neither
			switch {
			case y && n:
				t.Fatalf("%q is both yes and no", tc.text)
			case y:
				got = yes
			case n:
				got = no
			}
			if got != tc.want {
				t.Errorf("%q: got %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestExtractNumber(t *testing.T) {
	tests := map[string]struct {
		text string
		want float64
		ok   bool
	}{
		"arabic":              {"42", 42, true},
		"full-width":          {"１２３", 123, true},
		"thousands":           {"1,234.5", 1234.5, true},
		"in a sentence":       {"我有3张卡", 3, true},
		"arabic with 万":       {"1.5万", 15000, true},
		"arabic with 千":       {"5千", 5000, true},
		"zh 三百五十":             {"三百五十", 350, true},
		"zh 两千":               {"两千", 2000, true},
		"zh 一万二":              {"一万二", 12000, true},
		"zh 三百五":              {"三百五", 350, true},
		"zh 三点五":              {"三点五", 3.5, true},
		"zh 十":                {"十", 10, true},
		"zh 十五":               {"十五", 15, true},
		"zh 二十一":              {"二十一", 21, true},
		"zh 一百零五":             {"一百零五", 105, true},
		"zh 一千零五十":            {"一千零五十", 1050, true},
		"zh 五万三千":             {"五万三千", 53000, true},
		"zh 三万五":              {"三万五", 35000, true},
		"zh 一亿三千万":            {"一亿三千万", 130000000, true},
		"zh digit by digit":   {"一二三四", 1234, true},
		"zh 二〇二五":             {"二〇二五", 2025, true},
		"zh formal 壹佰贰拾":      {"壹佰贰拾", 120, true},
		"zh 两":                {"两", 2, true},
		"zh 千万别 is no number": {"千万别", 0, false},
		"en three":            {"three", 3, true},
		"en twenty five":      {"twenty five", 25, true},
		"en twenty-five":      {"twenty-five", 25, true},
		"en hundred and five": {"one hundred and five", 105, true},
		"en a hundred":        {"a hundred", 100, true},
		"en nineteen hundred": {"nineteen hundred", 1900, true},
		"en thousands":        {"two thousand three hundred", 2300, true},
		"en point":            {"three point one four", 3.14, true},
		"en digits":           {"one two three four", 1234, true},
		"en zero":             {"zero", 0, true},
		"en in a word":        {"someone", 0, false},
		"none":                {"no number here", 0, false},
		"empty":               {"", 0, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := dialog.ExtractNumber(tc.text)
			if ok != tc.ok || (ok && got != tc.want) {
				t.Errorf("ExtractNumber(%q) = %v, %v; want %v, %v", tc.text, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestExtractAmount(t *testing.T) {
	tests := map[string]struct {
		text  string
		minor int64
		cur   string
		ok    bool
	}{
		"yen sign":            {"¥500", 50000, "CNY", true},
		"full-width yen sign": {"￥500", 50000, "CNY", true},
		"yuan":                {"500元", 50000, "CNY", true},
		"zh 五百块":              {"五百块", 50000, "CNY", true},
		"zh 五百块钱":             {"五百块钱", 50000, "CNY", true},
		"zh 五块五":              {"五块五", 550, "CNY", true},
		"zh 5块5毛":             {"5块5毛", 550, "CNY", true},
		"zh 3元2角5分":           {"3元2角5分", 325, "CNY", true},
		"zh 1.5万元":            {"转1.5万元", 1500000, "CNY", true},
		"zh 两千五百元":            {"两千五百元", 250000, "CNY", true},
		"zh 人民币500":           {"人民币500", 50000, "CNY", true},
		"zh 20美元":             {"20美元", 2000, "USD", true},
		"dollar sign":         {"$20.50", 2050, "USD", true},
		"dollars":             {"20 dollars", 2000, "USD", true},
		"dollars in words":    {"twenty dollars and fifty cents", 2050, "USD", true},
		"bucks":               {"about 20 bucks", 2000, "USD", true},
		"usd prefix":          {"USD 20", 2000, "USD", true},
		"rmb suffix":          {"100 RMB", 10000, "CNY", true},
		"euro sign":           {"€15", 1500, "EUR", true},
		"euros":               {"30 euros", 3000, "EUR", true},
		"thousands separator": {"1,299.99 元", 129999, "CNY", true},
		"marked beats bare":   {"2 cards, 300元", 30000, "CNY", true},
		"bare number":         {"500", 50000, "", true},
		"none":                {"no money", 0, "", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := dialog.ExtractAmount(tc.text)
			want := dialog.Amount{Minor: tc.minor, Currency: tc.cur}
			if ok != tc.ok || (ok && got != want) {
				t.Errorf("ExtractAmount(%q) = %+v, %v; want %+v, %v", tc.text, got, ok, want, tc.ok)
			}
		})
	}
}

func TestAmountString(t *testing.T) {
	for a, want := range map[dialog.Amount]string{
		{Minor: 50000, Currency: "CNY"}: "500.00 CNY",
		{Minor: 2050, Currency: "USD"}:  "20.50 USD",
		{Minor: 5}:                      "0.05",
	} {
		if got := a.String(); got != want {
			t.Errorf("%+v.String() = %q, want %q", a, got, want)
		}
	}
}

func TestExtractDate(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	// Thursday 20 November 2025, 10:00 in Shanghai.
	now := time.Date(2025, 11, 20, 10, 0, 0, 0, shanghai)
	tests := map[string]struct {
		text string
		want string
	}{
		"iso":                  {"2025-11-21", "2025-11-21"},
		"slashes":              {"2025/11/21", "2025-11-21"},
		"compact digits":       {"20251121", "2025-11-21"},
		"zh full":              {"2025年11月21日", "2025-11-21"},
		"zh numerals":          {"十一月二十一号", "2025-11-21"},
		"zh month day":         {"11月21日", "2025-11-21"},
		"zh full-width":        {"１１月２１日", "2025-11-21"},
		"zh day only":          {"21号", "2025-11-21"},
		"zh birthday numerals": {"一九九零年五月一日", "1990-05-01"},
		"zh birthday":          {"我是1990年5月1日出生的", "1990-05-01"},
		"en Nov 21":            {"Nov 21", "2025-11-21"},
		"en November 21st":     {"November 21st, 2025", "2025-11-21"},
		"en 21 November":       {"21 November", "2025-11-21"},
		"en ordinal words":     {"the twenty-first of November", "2025-11-21"},
		"en birthday":          {"May 1, 1990", "1990-05-01"},
		"en day month year":    {"1 May 1990", "1990-05-01"},
		"en today":             {"today", "2025-11-20"},
		"en tomorrow":          {"tomorrow please", "2025-11-21"},
		"en day after":         {"the day after tomorrow", "2025-11-22"},
		"en yesterday":         {"yesterday", "2025-11-19"},
		"en in 3 days":         {"in 3 days", "2025-11-23"},
		"en days ago":          {"2 days ago", "2025-11-18"},
		"zh 今天":                {"今天", "2025-11-20"},
		"zh 明天":                {"明天", "2025-11-21"},
		"zh 后天":                {"后天", "2025-11-22"},
		"zh 大后天":               {"大后天", "2025-11-23"},
		"zh 昨天":                {"昨天丢的", "2025-11-19"},
		"zh 前天":                {"前天", "2025-11-18"},
		"zh 三天后":               {"三天后", "2025-11-23"},
		"en Friday":            {"Friday", "2025-11-21"},
		"en Thursday is today": {"Thursday", "2025-11-20"},
		"en next Monday":       {"next Monday", "2025-11-24"},
		"en last Friday":       {"last Friday", "2025-11-14"},
		"en this Monday":       {"this Monday", "2025-11-17"},
		"zh 周五":                {"周五", "2025-11-21"},
		"zh 星期天":               {"星期天", "2025-11-23"},
		"zh 下周一":               {"下周一", "2025-11-24"},
		"zh 上星期三":              {"上星期三", "2025-11-12"},
		"zh 礼拜六":               {"礼拜六", "2025-11-22"},
		"impossible date":      {"2月30日", ""},
		"impossible iso":       {"2025-02-29", ""},
		"leap day":             {"2024-02-29", "2024-02-29"},
		"none":                 {"hello", ""},
		"no date in a number":  {"1234", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := dialog.ExtractDate(tc.text, now, shanghai)
			if tc.want == "" {
				if ok {
					t.Errorf("ExtractDate(%q) = %s, want none", tc.text, got.Format(time.DateOnly))
				}
				return
			}
			if !ok || got.Format(time.DateOnly) != tc.want {
				t.Errorf("ExtractDate(%q) = %s, %v; want %s", tc.text, got.Format(time.DateOnly), ok, tc.want)
			}
			if ok && (got.Location() != shanghai || got.Hour() != 0) {
				t.Errorf("ExtractDate(%q) = %v, want midnight in the given location", tc.text, got)
			}
		})
	}
}

// Regression: "tomorrow" is relative to the tenant's day, not UTC's.
func TestExtractDateUsesLocation(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	now := time.Date(2025, 11, 20, 17, 0, 0, 0, time.UTC) // 01:00 on the 21st in Shanghai
	got, ok := dialog.ExtractDate("明天", now, shanghai)
	if !ok || got.Format(time.DateOnly) != "2025-11-22" {
		t.Errorf("明天 at %v = %v, want 2025-11-22", now, got)
	}
	got, ok = dialog.ExtractDate("tomorrow", now, nil)
	if !ok || got.Format(time.DateOnly) != "2025-11-21" || got.Location() != time.UTC {
		t.Errorf("tomorrow in UTC = %v, want 2025-11-21 UTC", got)
	}
}

func TestExtractPhone(t *testing.T) {
	tests := map[string]struct {
		text string
		want string
	}{
		"cn mobile":             {"13812345678", "+8613812345678"},
		"cn spaces":             {"138 1234 5678", "+8613812345678"},
		"cn dashes":             {"138-1234-5678", "+8613812345678"},
		"cn +86":                {"+86 138 1234 5678", "+8613812345678"},
		"cn +86 dash":           {"+86-13812345678", "+8613812345678"},
		"cn (+86)":              {"(+86) 138 1234 5678", "+8613812345678"},
		"cn 0086":               {"008613812345678", "+8613812345678"},
		"cn 86":                 {"8613812345678", "+8613812345678"},
		"cn full-width":         {"我的手机号是１３８１２３４５６７８", "+8613812345678"},
		"cn full-width plus":    {"＋８６ １３８１２３４５６７８", "+8613812345678"},
		"zh spoken 幺":           {"幺三八幺二三四五六七八", "+8613812345678"},
		"zh spoken groups":      {"一三八 一二三四 五六七八", "+8613812345678"},
		"en spoken":             {"one three eight one two three four five six seven eight", "+8613812345678"},
		"us":                    {"+1 415 555 2671", "+14155552671"},
		"us brackets":           {"+1 (415) 555-2671", "+14155552671"},
		"uk":                    {"+44 20 7946 0958", "+442079460958"},
		"after a card number":   {"card 1234 phone 13812345678", "+8613812345678"},
		"joined with a card":    {"1234 13812345678", "+8613812345678"},
		"cn 12 prefix is no":    {"12345678901", ""},
		"no country code":       {"4155552671", ""},
		"too short":             {"1381234567", ""},
		"us bad area code":      {"+1 015 555 2671", ""},
		"none":                  {"call me", ""},
		"a year is not a phone": {"2025", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := dialog.ExtractPhone(tc.text)
			if ok != (tc.want != "") || got != tc.want {
				t.Errorf("ExtractPhone(%q) = %q, %v; want %q", tc.text, got, ok, tc.want)
			}
		})
	}
}

func TestExtractCardLast4(t *testing.T) {
	tests := map[string]struct {
		text string
		want string
	}{
		"zh 尾号":                   {"尾号1234", "1234"},
		"zh 尾号是":                  {"尾号是 1234", "1234"},
		"zh 尾数":                   {"尾数5678的卡", "5678"},
		"zh 后四位 leading zero":     {"卡号后四位是0123", "0123"},
		"zh 尾号 numerals":          {"尾号一二三四", "1234"},
		"zh 尾号 full-width":        {"尾号１２３４", "1234"},
		"zh sentence":             {"我尾号1234的卡丢了", "1234"},
		"en ending":               {"I lost my card ending 1234", "1234"},
		"en ending in":            {"the one ending in 9876", "9876"},
		"en ends with":            {"it ends with 4321", "4321"},
		"en last four":            {"last four 1234", "1234"},
		"en last 4 digits are":    {"the last 4 digits are 1234", "1234"},
		"en last four digits":     {"last four digits: 1234", "1234"},
		"en last 4 joined":        {"last 4 1234", "1234"},
		"en spoken":               {"ending in one two three four", "1234"},
		"masked":                  {"card ****1234", "1234"},
		"whole card number":       {"card number 6222 0212 3456 7890", "7890"},
		"bare":                    {"1234", "1234"},
		"bare full-width":         {"１２３４", "1234"},
		"bare spoken":             {"one two three four", "1234"},
		"bare with words":         {"it's 0042", "0042"},
		"zh bare":                 {"一二三四", "1234"},
		"five digits":             {"12345", ""},
		"two groups":              {"1234 5678", ""},
		"two numbers":             {"I have 2 cards 1234", ""},
		"phone is not a card":     {"my phone is 13812345678", ""},
		"cn phone with 86 prefix": {"8613812345678", ""},
		"cue beats phone":         {"ending 1234 and my phone 13812345678", "1234"},
		"cue without number":      {"the card ending", ""},
		"none":                    {"hello", ""},
		"friends is no cue":       {"my friends 12 and 1234", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := dialog.ExtractCardLast4(tc.text)
			if ok != (tc.want != "") || got != tc.want {
				t.Errorf("ExtractCardLast4(%q) = %q, %v; want %q", tc.text, got, ok, tc.want)
			}
		})
	}
}

func TestMatchEnum(t *testing.T) {
	values := []dialog.EnumValue{
		{Value: "debit_card", Synonyms: map[dialog.Lang][]string{
			dialog.LangEn: {"debit", "bank card"},
			dialog.LangZh: {"借记卡", "储蓄卡"},
		}, DTMF: "1"},
		{Value: "credit_card", Synonyms: map[dialog.Lang][]string{
			dialog.LangEn: {"credit", "credit card"},
			dialog.LangZh: {"信用卡"},
		}, DTMF: "2"},
	}
	tests := map[string]struct {
		text string
		want string
	}{
		"en synonym":         {"debit", "debit_card"},
		"en case and words":  {"My DEBIT card, please", "debit_card"},
		"en value itself":    {"debit card", "debit_card"},
		"en longest phrase":  {"credit card please", "credit_card"},
		"zh synonym":         {"借记卡", "debit_card"},
		"zh in a sentence":   {"是信用卡丢了", "credit_card"},
		"zh other synonym":   {"储蓄卡", "debit_card"},
		"zh negated":         {"不是借记卡，是信用卡", "credit_card"},
		"en negated":         {"not the debit, the credit card", "credit_card"},
		"full-width":         {"ＣＲＥＤＩＴ", "credit_card"},
		"en typo":            {"credt card", "credit_card"},
		"both named":         {"debit or credit", ""},
		"zh both named":      {"借记卡和信用卡", ""},
		"none":               {"cash", ""},
		"word inside a word": {"accredited", ""},
		"en typo deletion":   {"debt", "debit_card"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := dialog.MatchEnum(tc.text, values)
			if ok != (tc.want != "") || got != tc.want {
				t.Errorf("MatchEnum(%q) = %q, %v; want %q", tc.text, got, ok, tc.want)
			}
		})
	}
}
