package handler

// POST /v1/import creates or replaces many intents and articles in one request, all or nothing:
// every item is validated first (a problem lists every bad field, and nothing is written), then the
// items are written in transactions of up to 99, the last one with the request's one
// bot.config.changed event. If a later transaction fails (another writer changed an item in
// between) the ones already written are undone, so the import still changes nothing; readers may
// see the partial state for the moment that takes. Items not named in the import are left alone.
//
// The body is JSON, {"intents": [...], "articles": [...]}, each item a PUT body plus its "id"; or
// CSV (Content-Type: text/csv), described at csvColumns.

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/quota"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Import limits.
const (
	// MaxImportItems is how many intents and articles one import takes; split larger ones.
	MaxImportItems = 1000
	// MaxImportBytes is the largest import body, JSON or CSV.
	MaxImportBytes = httpapi.DefaultMaxBody
	// maxImportProblems bounds the problems one rejected import lists (then "and N more").
	maxImportProblems = 1000
	// importChunkOps and importChunkBytes bound one transaction (DynamoDB: 100 items, 4 MB); one
	// op of the last is the event's outbox record, two of the first the quota counters.
	importChunkOps   = store.MaxTxOps - 3
	importChunkBytes = 3 << 20
	// importReaders is how many items an import reads at once.
	importReaders = 8
)

type importIntent struct {
	ID string `json:"id"`
	intentBody
}

type importArticle struct {
	ID string `json:"id"`
	articleBody
}

// importBody is the JSON form of an import.
type importBody struct {
	Intents  []importIntent  `json:"intents"`
	Articles []importArticle `json:"articles"`
}

// build validates every item; field pointers are into the JSON form ("/intents/3/examples/2").
func (doc importBody) build() ([]botconfig.Intent, []botconfig.Article, botconfig.Problems) {
	var probs botconfig.Problems
	n := len(doc.Intents) + len(doc.Articles)
	switch {
	case n == 0:
		probs.Add("", "nothing to import: give intents, articles or both")
		return nil, nil, probs
	case n > MaxImportItems:
		probs.Add("", "%d items; one import takes at most %d, so split it", n, MaxImportItems)
		return nil, nil, probs
	}
	intents := make([]botconfig.Intent, len(doc.Intents))
	seen := map[string]int{}
	for i, it := range doc.Intents {
		ptr := fmt.Sprintf("/intents/%d", i)
		intents[i] = it.intent(it.ID)
		probs = append(probs, intents[i].Validate().Prefixed(ptr)...)
		if j, dup := seen[it.ID]; dup && it.ID != "" {
			probs.Add(ptr+"/id", "repeats /intents/%d", j)
		} else {
			seen[it.ID] = i
		}
	}
	articles := make([]botconfig.Article, len(doc.Articles))
	seen = map[string]int{}
	for i, it := range doc.Articles {
		ptr := fmt.Sprintf("/articles/%d", i)
		a, timeProbs := it.article(it.ID)
		articles[i] = a
		probs = append(probs, timeProbs.Prefixed(ptr)...)
		probs = append(probs, a.Validate().Prefixed(ptr)...)
		if j, dup := seen[it.ID]; dup && it.ID != "" {
			probs.Add(ptr+"/id", "repeats /articles/%d", j)
		} else {
			seen[it.ID] = i
		}
	}
	return intents, articles, probs
}

// importWrite is one item an import writes, and what it replaces (for the undo).
type importWrite struct {
	key       store.Key
	kind      lxevents.BotConfigKind
	value     any
	size      int   // encoded size, to keep transactions under DynamoDB's limit
	prev      int64 // version replaced; 0 when created
	prevValue any   // the item replaced, when prev > 0
}

func (api *API) importConfig(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	var doc importBody
	var src *csvSource
	mt, _, _ := mime.ParseMediaType(r.Header("content-type"))
	if ct := r.Header("content-type"); ct != "" && mt != "text/csv" && mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindMediaType, "content type %q: send application/json or text/csv", ct)
	}
	if mt == "text/csv" {
		body, err := r.Body()
		if err != nil {
			return httpapi.Response{}, err
		}
		if len(body) > MaxImportBytes {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindTooLarge, "body is %d bytes; the limit is %d", len(body), MaxImportBytes)
		}
		if doc, src, err = parseCSV(body); err != nil {
			return httpapi.Response{}, err
		}
	} else if err := r.DecodeJSON(&doc); err != nil {
		return httpapi.Response{}, err
	}
	intents, articles, probs := doc.build()
	if src != nil {
		// A JSON body's text was checked as it was decoded; the CSV's cells are checked here, at
		// the fields they fill, which translate points back at rows and columns.
		probs = append(botconfig.Problems(httpapi.CheckText(doc)), probs...)
	}
	if len(probs) == 0 {
		flowProbs, err := api.checkFlowRefs(ctx, p.Tenant, intents, func(i int) string { return fmt.Sprintf("/intents/%d", i) })
		if err != nil {
			return httpapi.Response{}, err
		}
		probs = flowProbs
	}
	if len(probs) > 0 {
		if src != nil {
			probs = src.translate(probs)
		}
		if n := len(probs); n > maxImportProblems {
			probs = append(probs[:maxImportProblems-1], botconfig.FieldError{Reason: fmt.Sprintf("and %d more problems", n-maxImportProblems+1)})
		}
		return httpapi.Response{}, invalid(probs)
	}

	now := api.now().UTC()
	writes := make([]importWrite, 0, len(intents)+len(articles))
	for i := range intents {
		intents[i].UpdatedAt = now
		writes = append(writes, importWrite{key: intentKey(intents[i].ID), kind: lxevents.BotConfigIntent, value: intents[i]})
	}
	for i := range articles {
		articles[i].UpdatedAt = now
		writes = append(writes, importWrite{key: articleKey(articles[i].ID), kind: lxevents.BotConfigArticle, value: articles[i]})
	}
	if err := api.readPrior(ctx, p.Tenant, writes); err != nil {
		return httpapi.Response{}, err
	}
	if err := api.writeImport(ctx, p, writes); err != nil {
		return httpapi.Response{}, err
	}
	type counts struct {
		Created  int `json:"created"`
		Replaced int `json:"replaced"`
	}
	out := map[lxevents.BotConfigKind]*counts{lxevents.BotConfigIntent: {}, lxevents.BotConfigArticle: {}}
	for _, w := range writes {
		if w.prev == 0 {
			out[w.kind].Created++
		} else {
			out[w.kind].Replaced++
		}
	}
	return httpapi.JSON(http.StatusOK, map[string]any{"intents": out[lxevents.BotConfigIntent], "articles": out[lxevents.BotConfigArticle]}), nil
}

// readPrior fills in the version and value each write replaces, a few reads at a time.
func (api *API) readPrior(ctx context.Context, t tenant.ID, writes []importWrite) error {
	sem := make(chan struct{}, importReaders)
	errs := make([]error, len(writes))
	var wg sync.WaitGroup
	for i := range writes {
		w := &writes[i]
		b, err := json.Marshal(w.value)
		if err != nil {
			return fmt.Errorf("encode %s: %w", w.key, err)
		}
		w.size = len(b) + 200 // plus keys and attribute names
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			var prior any
			switch w.kind {
			case lxevents.BotConfigIntent:
				prior = new(botconfig.Intent)
			default:
				prior = new(botconfig.Article)
			}
			v, err := api.currentVersion(ctx, t, w.key, prior)
			if err != nil {
				errs[i] = err
				return
			}
			w.prev = v
			if v > 0 {
				w.prevValue = prior
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// chunks splits writes into transactions within importChunkOps and importChunkBytes.
func chunks(writes []importWrite) [][]importWrite {
	var out [][]importWrite
	start, bytes := 0, 0
	for i, w := range writes {
		if i > start && (i-start == importChunkOps || bytes+w.size > importChunkBytes) {
			out = append(out, writes[start:i])
			start, bytes = i, 0
		}
		bytes += w.size
	}
	return append(out, writes[start:])
}

// writeImport commits the writes chunk by chunk, the event with the last; if a chunk fails it
// undoes the chunks before it.
func (api *API) writeImport(ctx context.Context, p auth.Principal, writes []importWrite) error {
	changes := make([]lxevents.BotConfigChange, len(writes))
	for i, w := range writes {
		changes[i] = lxevents.BotConfigChange{Kind: w.kind, ID: w.key.ID, Action: lxevents.BotConfigPut, Version: w.prev + 1}
	}
	ev, err := configChanged(p, changes...)
	if err != nil {
		return err
	}
	// The new items count towards their quotas in the first chunk's transaction; an undo gives the
	// counts back.
	var created [2]int64
	for _, w := range writes {
		if w.prev == 0 && w.kind == lxevents.BotConfigIntent {
			created[0]++
		} else if w.prev == 0 {
			created[1]++
		}
	}
	var counters []store.Op
	var taken []quota.Counted
	for i, r := range [2]quota.Resource{quota.Intents, quota.Articles} {
		c, err := api.ledger.Count(ctx, p.Tenant, r, created[i])
		if err != nil {
			return err
		}
		counters = append(counters, c.Ops...)
		taken = append(taken, c)
	}
	parts := chunks(writes)
	done := 0
	for i, part := range parts {
		var ops []store.Op
		if i == 0 {
			ops = append(ops, counters...)
		}
		for _, w := range part {
			ops = append(ops, store.PutOp(p.Tenant, w.key, w.value, w.prev))
		}
		var evs []lxevents.Envelope
		if i == len(parts)-1 {
			evs = append(evs, ev)
		}
		if err := api.commit.Commit(ctx, ops, evs...); err != nil {
			if i == 0 {
				for _, c := range taken {
					if qerr := api.ledger.Refused(ctx, p.Tenant, c, err); qerr != nil {
						return qerr
					}
				}
			}
			if uerr := api.undoImport(ctx, p.Tenant, writes[:done], taken); uerr != nil {
				return fmt.Errorf("import for %s: %w; undoing the %d items written failed, so the import is partly applied: %w", p.Tenant, err, done, uerr)
			}
			if errors.Is(err, store.ErrConflict) {
				return httpapi.Errorf(httpapi.KindConflict, "an item changed while the import was written; nothing was imported; retry")
			}
			return fmt.Errorf("import for %s (undone): %w", p.Tenant, err)
		}
		done += len(part)
	}
	return nil
}

// undoImport restores what writes replaced: it deletes created items and puts replaced ones back,
// each only if the import's write is still there. It runs even if ctx is cancelled.
func (api *API) undoImport(ctx context.Context, t tenant.ID, writes []importWrite, taken []quota.Counted) error {
	if len(writes) == 0 {
		return nil
	}
	var release []store.Op
	for _, c := range taken {
		if c.N > 0 {
			release = append(release, quota.Release(t, c.Resource, c.N))
		}
	}
	ctx = context.WithoutCancel(ctx)
	undo := make([]importWrite, len(writes))
	for i, w := range writes {
		undo[i] = importWrite{key: w.key, value: w.prevValue, size: w.size, prev: w.prev}
	}
	for i, part := range chunks(undo) {
		var ops []store.Op
		if i == 0 {
			ops = append(ops, release...)
		}
		for _, w := range part {
			if w.prev == 0 {
				ops = append(ops, store.DeleteOp(t, w.key, 1))
			} else {
				ops = append(ops, store.PutOp(t, w.key, w.value, w.prev+1))
			}
		}
		if err := api.commit.Commit(ctx, ops); err != nil {
			return err
		}
	}
	return nil
}

// ---- CSV ----------------------------------------------------------------------------------------

// csvColumns are the columns of a CSV import. The header row names them, in any order; type, id
// and text are required, the rest optional. Each row is one example (type "intent") or one
// question variant (type "article") of the item id; an item spans as many rows as it has texts.
// Its other columns may be filled on any of its rows (usually the first) and, if repeated on
// another, must be equal there; empty cells say nothing. Cells are UTF-8 text without control
// characters; only the answer columns (answer_*, chat_*, voice_*) and description may hold line
// breaks and tabs (in a quoted cell). Tags are separated by "|"; times are RFC
// 3339 or dates. Errors point at "/rows/<n>/<column>", n counting rows as a spreadsheet does (the
// header is row 1).
var csvColumns = map[string]string{
	"type":        "",        // intent or article
	"id":          "",        // the item's id
	"text":        "",        // one example or question
	"description": "intent",  // intent description
	"flow":        "intent",  // flow the intent starts
	"queue":       "intent",  // queue the intent hands off to
	"answer_en":   "",        // answer in English
	"answer_zh":   "",        // answer in Chinese
	"chat_en":     "article", // chat wording of the answer
	"chat_zh":     "article",
	"voice_en":    "article", // voice wording of the answer
	"voice_zh":    "article",
	"tags":        "article", // "billing|cards"
	"valid_from":  "article",
	"valid_until": "article",
}

var csvRequired = []string{"type", "id", "text"}

// csvItem is one intent or article gathered from its rows.
type csvItem struct {
	typ      string
	id       string
	firstRow int
	texts    []string
	textRows []int
	attrs    map[string]string // column → value
	attrRows map[string]int    // column → the row that gave it
}

// csvSource remembers which rows made each item, to point errors at them.
type csvSource struct {
	intents  []*csvItem
	articles []*csvItem
}

func csvField(row int, col string) string {
	if col == "" {
		return fmt.Sprintf("/rows/%d", row)
	}
	return fmt.Sprintf("/rows/%d/%s", row, col)
}

// parseCSV reads a CSV import into its JSON form. Errors in the CSV itself (header, row shape,
// types, conflicting cells) are reported together, each at its row and column.
func parseCSV(body []byte) (importBody, *csvSource, error) {
	body = bytes.TrimPrefix(body, []byte("\ufeff")) // spreadsheets write a byte-order mark
	rd := csv.NewReader(bytes.NewReader(body))
	rd.FieldsPerRecord = 0 // every row as wide as the header
	var probs botconfig.Problems
	header, err := rd.Read()
	if err != nil {
		return importBody{}, nil, httpapi.Invalid(httpapi.FieldError{Field: "/rows/1", Reason: "want a header row naming the columns, e.g. type,id,text,answer_en"})
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch _, known := csvColumns[h]; {
		case httpapi.TextProblem(h, false) != "":
			probs.Add(csvField(1, ""), "column %d: its name is not valid UTF-8 or holds control characters", i+1)
		case !known:
			probs.Add(csvField(1, h), "unknown column; columns are %s", strings.Join(sortedColumns(), ", "))
		case hasKey(col, h):
			probs.Add(csvField(1, h), "named twice")
		default:
			col[h] = i
		}
	}
	for _, h := range csvRequired {
		if _, ok := col[h]; !ok {
			probs.Add(csvField(1, ""), "column %q is required", h)
		}
	}
	if len(probs) > 0 {
		return importBody{}, nil, invalid(probs)
	}

	var src csvSource
	byKey := map[[2]string]*csvItem{}
	var order []*csvItem
	for row := 2; ; row++ {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			reason := pe.Err.Error()
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				reason = fmt.Sprintf("has %d cells; the header has %d", len(rec), len(header))
			}
			probs.Add(csvField(row, ""), "%s", reason)
			if !errors.Is(pe.Err, csv.ErrFieldCount) {
				break // the reader cannot resynchronise after a quoting error
			}
			continue
		}
		if err != nil {
			return importBody{}, nil, fmt.Errorf("read CSV: %w", err)
		}
		cell := func(name string) string {
			if i, ok := col[name]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		typ, id, text := strings.ToLower(cell("type")), cell("id"), cell("text")
		if typ != "intent" && typ != "article" {
			probs.Add(csvField(row, "type"), `must be "intent" or "article"`)
			continue
		}
		if id == "" {
			probs.Add(csvField(row, "id"), "required")
			continue
		}
		if text == "" {
			probs.Add(csvField(row, "text"), "required: one example or question per row")
		}
		it := byKey[[2]string{typ, id}]
		if it == nil {
			it = &csvItem{typ: typ, id: id, firstRow: row, attrs: map[string]string{}, attrRows: map[string]int{}}
			byKey[[2]string{typ, id}] = it
			order = append(order, it)
		}
		if text != "" {
			it.texts = append(it.texts, text)
			it.textRows = append(it.textRows, row)
		}
		for name, only := range csvColumns {
			v := cell(name)
			if v == "" || slices.Contains(csvRequired, name) {
				continue
			}
			if only != "" && only != typ {
				probs.Add(csvField(row, name), "is a column of %ss, not of %ss", only, typ)
				continue
			}
			if prev, ok := it.attrs[name]; ok && prev != v {
				probs.Add(csvField(row, name), "differs from row %d; give it once or repeat it exactly", it.attrRows[name])
				continue
			}
			if _, ok := it.attrs[name]; !ok {
				it.attrs[name], it.attrRows[name] = v, row
			}
		}
	}
	if len(probs) > 0 {
		slices.SortStableFunc(probs, func(a, b botconfig.FieldError) int { return compareRowFields(a.Field, b.Field) })
		return importBody{}, nil, invalid(probs)
	}

	var doc importBody
	for _, it := range order {
		answer := csvText(it.attrs, "answer")
		if it.typ == "intent" {
			doc.Intents = append(doc.Intents, importIntent{ID: it.id, intentBody: intentBody{
				Description: it.attrs["description"], Examples: it.texts, Answer: answer,
				Flow: it.attrs["flow"], Queue: it.attrs["queue"],
			}})
			src.intents = append(src.intents, it)
			continue
		}
		a := importArticle{ID: it.id, articleBody: articleBody{
			Questions: it.texts, Answer: answer, ValidFrom: it.attrs["valid_from"], ValidUntil: it.attrs["valid_until"],
		}}
		for _, ch := range []botconfig.Channel{botconfig.ChannelChat, botconfig.ChannelVoice} {
			if t := csvText(it.attrs, string(ch)); t != nil {
				if a.ChannelAnswers == nil {
					a.ChannelAnswers = map[botconfig.Channel]botconfig.Text{}
				}
				a.ChannelAnswers[ch] = t
			}
		}
		if tags := it.attrs["tags"]; tags != "" {
			for _, tag := range strings.Split(tags, "|") {
				if tag = strings.TrimSpace(tag); tag != "" {
					a.Tags = append(a.Tags, tag)
				}
			}
		}
		doc.Articles = append(doc.Articles, a)
		src.articles = append(src.articles, it)
	}
	return doc, &src, nil
}

// csvText gathers the columns <prefix>_en and <prefix>_zh into a Text, nil if both are empty.
func csvText(attrs map[string]string, prefix string) botconfig.Text {
	var t botconfig.Text
	for _, l := range []botconfig.Lang{botconfig.LangEN, botconfig.LangZH} {
		if v := attrs[prefix+"_"+string(l)]; v != "" {
			if t == nil {
				t = botconfig.Text{}
			}
			t[l] = v
		}
	}
	return t
}

// translate points problems about the JSON form ("/intents/3/examples/2") at the CSV rows and
// columns that gave those fields ("/rows/9/text").
func (src *csvSource) translate(probs botconfig.Problems) botconfig.Problems {
	out := make(botconfig.Problems, 0, len(probs))
	for _, p := range probs {
		parts := strings.SplitN(p.Field, "/", 4) // "", "intents", "3", rest
		var it *csvItem
		if len(parts) >= 3 {
			if i, err := strconv.Atoi(parts[2]); err == nil {
				switch {
				case parts[1] == "intents" && i < len(src.intents):
					it = src.intents[i]
				case parts[1] == "articles" && i < len(src.articles):
					it = src.articles[i]
				}
			}
		}
		if it == nil {
			out = append(out, p)
			continue
		}
		rest := ""
		if len(parts) == 4 {
			rest = parts[3]
		}
		row, column := it.locate(strings.Split(rest, "/"))
		out = append(out, botconfig.FieldError{Field: csvField(row, column), Reason: p.Reason})
	}
	slices.SortStableFunc(out, func(a, b botconfig.FieldError) int { return compareRowFields(a.Field, b.Field) })
	return out
}

// locate returns the row and column that gave the field at path (JSON pointer tokens within the
// item).
func (it *csvItem) locate(path []string) (int, string) {
	attr := func(column string) (int, string) {
		if r, ok := it.attrRows[column]; ok {
			return r, column
		}
		return it.firstRow, column
	}
	switch path[0] {
	case "id":
		return it.firstRow, "id"
	case "examples", "questions":
		if len(path) > 1 {
			if j, err := strconv.Atoi(path[1]); err == nil && j < len(it.textRows) {
				return it.textRows[j], "text"
			}
		}
		return it.firstRow, "text"
	case "answer":
		if len(path) > 1 && path[1] == "zh" {
			return attr("answer_zh")
		}
		return attr("answer_en")
	case "channel_answers":
		if len(path) > 1 {
			lang := "en"
			if len(path) > 2 && path[2] == "zh" {
				lang = "zh"
			}
			return attr(path[1] + "_" + lang)
		}
	case "description", "flow", "queue", "valid_from", "valid_until", "tags":
		return attr(path[0])
	}
	return it.firstRow, ""
}

// compareRowFields orders "/rows/<n>/…" fields by row number, then column.
func compareRowFields(a, b string) int {
	row := func(f string) int {
		parts := strings.SplitN(f, "/", 4)
		if len(parts) < 3 {
			return 0
		}
		n, _ := strconv.Atoi(parts[2])
		return n
	}
	if ra, rb := row(a), row(b); ra != rb {
		return ra - rb
	}
	return strings.Compare(a, b)
}

func sortedColumns() []string { return slices.Sorted(maps.Keys(csvColumns)) }

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}
