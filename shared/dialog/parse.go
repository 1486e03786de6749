package dialog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/lingxi/lingxi/shared/httpapi/jsonptr"
)

// ParseFlow decodes and validates a tenant's flow definition. The decoding
// is strict: unknown and duplicate fields, wrong JSON types, fields that do
// not belong to a step's kind or a slot's type, and trailing data are all
// errors. Validation then checks every reference (step targets, slots used
// in templates, conditions and webhooks), the limits (MaxFlowBytes,
// MaxSteps, …), that every step can be reached from the start, and that no
// loop of steps can run without an ask or confirm step in it.
//
// Data that is not JSON at all gets a *SyntaxError. Otherwise, on failure,
// the error is a *FlowError listing every issue found with a JSON pointer to
// its field, for example
//
//	/steps/3/slot/type: unknown slot type "colour"
//
// so an HTTP handler can answer with an RFC 9457 problem listing them.
func ParseFlow(data []byte) (*Flow, error) {
	if len(data) > MaxFlowBytes {
		return nil, &FlowError{Issues: []Issue{{Field: "", Reason: fmt.Sprintf("the flow is %d bytes; the limit is %d", len(data), MaxFlowBytes)}}}
	}
	if !utf8.Valid(data) {
		return nil, &FlowError{Issues: []Issue{{Field: "", Reason: "the flow is not valid UTF-8"}}}
	}
	var il issueList
	if err := checkShape(data, &il); err != nil {
		return nil, err
	}
	if len(il.items) > 0 {
		return nil, &FlowError{Issues: il.items}
	}
	f := new(Flow)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(f); err != nil {
		// checkShape has seen the document; this is a bug, not the tenant's.
		return nil, &FlowError{Issues: []Issue{{Field: "", Reason: "the flow could not be decoded"}}}
	}
	var raw struct {
		Steps []map[string]json.RawMessage `json:"steps"`
	}
	_ = json.Unmarshal(data, &raw)
	v := &validator{f: f, issues: &il, rawSteps: raw.Steps}
	v.validate()
	if len(il.items) > 0 {
		return nil, &FlowError{Issues: il.items}
	}
	f.index = v.ids
	f.known = v.known
	f.specs = map[string]*SlotSpec{}
	for i := range f.Steps {
		if sp := f.Steps[i].Slot; sp != nil && f.specs[sp.Name] == nil {
			f.specs[sp.Name] = sp
		}
	}
	return f, nil
}

// issueList collects issues up to maxIssues.
type issueList struct{ items []Issue }

func (l *issueList) add(field, format string, args ...any) {
	if len(l.items) >= maxIssues {
		return
	}
	l.items = append(l.items, Issue{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// ptrJoin appends a reference token to a JSON pointer.
func ptrJoin(ptr string, tok any) string {
	switch t := tok.(type) {
	case int:
		return jsonptr.Index(ptr, t)
	case string:
		return jsonptr.Key(ptr, t)
	case Lang:
		return ptrJoin(ptr, string(t))
	}
	return ptr
}

// ---- strict shape check -------------------------------------------------

const maxDepth = 32

var (
	errAbort   = errors.New("abort")
	flowType   = reflect.TypeFor[Flow]()
	textType   = reflect.TypeFor[Text]()
	fieldCache sync.Map // reflect.Type → map[string]reflect.Type
)

// checkShape walks the JSON tokens against the Flow type: it reports
// unknown and duplicate fields and wrong JSON types with their pointers.
// It returns a *SyntaxError for documents that are not one JSON value.
func checkShape(data []byte, il *issueList) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	w := &shapeWalker{dec: dec, il: il}
	err := w.value(flowType, "", 0)
	if err == nil {
		end := dec.InputOffset()
		if _, terr := dec.Token(); terr != io.EOF {
			return &SyntaxError{Offset: end} // data after the flow object
		}
		return nil
	}
	if errors.Is(err, errAbort) {
		return nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &SyntaxError{Offset: se.Offset}
	}
	return &SyntaxError{Offset: int64(len(data))} // the data ends inside a value
}

type shapeWalker struct {
	dec *json.Decoder
	il  *issueList
}

func (w *shapeWalker) value(t reflect.Type, ptr string, depth int) error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	return w.token(tok, t, ptr, depth)
}

func (w *shapeWalker) token(tok json.Token, t reflect.Type, ptr string, depth int) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if depth > maxDepth {
		w.il.add(ptr, "nested more than %d levels deep", maxDepth)
		return errAbort
	}
	if t.Kind() == reflect.Interface {
		return w.skip(tok)
	}
	switch v := tok.(type) {
	case json.Delim:
		switch {
		case v == '{' && t.Kind() == reflect.Struct:
			return w.object(t, ptr, depth)
		case v == '{' && t.Kind() == reflect.Map:
			return w.mapObject(t, ptr, depth)
		case v == '[' && t.Kind() == reflect.Slice:
			for i := 0; w.dec.More(); i++ {
				if err := w.value(t.Elem(), ptrJoin(ptr, i), depth+1); err != nil {
					return err
				}
			}
			_, err := w.dec.Token()
			return err
		}
		w.il.add(ptr, "want %s, got %s", describe(t), describeTok(tok))
		return w.skip(tok)
	case string:
		if t.Kind() != reflect.String {
			w.il.add(ptr, "want %s, got a string", describe(t))
		}
	case json.Number:
		switch t.Kind() {
		case reflect.Int:
			n, err := v.Int64()
			if err != nil || n > 1<<31-1 || n < -(1<<31) {
				w.il.add(ptr, "want a whole number, got %s", v)
			}
		case reflect.Float64:
			if _, err := v.Float64(); err != nil {
				w.il.add(ptr, "number %s is out of range", v)
			}
		default:
			w.il.add(ptr, "want %s, got a number", describe(t))
		}
	case bool:
		if t.Kind() != reflect.Bool {
			w.il.add(ptr, "want %s, got true or false", describe(t))
		}
	case nil:
		w.il.add(ptr, "want %s, got null", describe(t))
	}
	return nil
}

func (w *shapeWalker) object(t reflect.Type, ptr string, depth int) error {
	fields := structFields(t)
	return w.members(ptr, func(key, p string) error {
		ft, ok := fields[key]
		if !ok {
			w.il.add(p, "unknown field")
			tok, err := w.dec.Token()
			if err != nil {
				return err
			}
			return w.skip(tok)
		}
		return w.value(ft, p, depth+1)
	})
}

func (w *shapeWalker) mapObject(t reflect.Type, ptr string, depth int) error {
	return w.members(ptr, func(_, p string) error {
		return w.value(t.Elem(), p, depth+1)
	})
}

// members reads the members of the object whose '{' was just read, up to and including its '}',
// reporting duplicate keys. member reads each value, given its key and pointer.
func (w *shapeWalker) members(ptr string, member func(key, p string) error) error {
	seen := map[string]bool{}
	for w.dec.More() {
		kt, err := w.dec.Token()
		if err != nil {
			return err
		}
		key, _ := kt.(string)
		p := ptrJoin(ptr, key)
		if seen[key] {
			w.il.add(p, "duplicate field")
		}
		seen[key] = true
		if err := member(key, p); err != nil {
			return err
		}
	}
	_, err := w.dec.Token()
	return err
}

// skip consumes the rest of a value whose first token is tok.
func (w *shapeWalker) skip(tok json.Token) error {
	d, ok := tok.(json.Delim)
	if !ok || d == '}' || d == ']' {
		return nil
	}
	for n := 1; n > 0; {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				n++
				if n > maxDepth {
					w.il.add("", "nested more than %d levels deep", maxDepth)
					return errAbort
				}
			} else {
				n--
			}
		}
	}
	return nil
}

// structFields maps a struct's JSON names to field types.
func structFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}

func describe(t reflect.Type) string {
	if t == textType {
		return `a text object ({"en": "…", "zh": "…"})`
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a value"
}

func describeTok(tok json.Token) string {
	if d, ok := tok.(json.Delim); ok && d == '[' {
		return "a list"
	}
	return "an object"
}

// ---- semantic validation ------------------------------------------------

var (
	reStepID   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	reFlowID   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	reSlotName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	reEnumVal  = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	reQueue    = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	reCurrency = regexp.MustCompile(`^[A-Z]{3}$`)
	reDTMF     = regexp.MustCompile(`^[0-9]{1,3}$`)
	rePath     = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)
)

func validSlotName(s string) bool { return reSlotName.MatchString(s) }

// stepFields lists the fields each kind of step may have besides id and
// kind.
var stepFields = map[StepKind][]string{
	KindSay:     {"text", "voice", "next"},
	KindAsk:     {"slot", "prompt", "reprompt", "voice", "max_attempts", "on_fail", "next"},
	KindConfirm: {"prompt", "reprompt", "voice", "max_attempts", "on_fail", "on_yes", "on_no"},
	KindBranch:  {"cases", "default"},
	KindWebhook: {"url", "slots", "result", "timeout_ms", "retries", "on_success", "on_failure"},
	KindEnd:     {"text", "voice", "outcome", "queue", "reason"},
}

var slotTypes = []SlotType{SlotEnum, SlotNumber, SlotAmount, SlotDate, SlotPhone, SlotCardLast4, SlotText}

type validator struct {
	f         *Flow
	issues    *issueList
	rawSteps  []map[string]json.RawMessage
	ids       map[string]int
	known     map[string]bool     // slot names the flow can fill
	slotTypes map[string]SlotType // from ask steps
	idsOK     bool
}

func (v *validator) add(field, format string, args ...any) { v.issues.add(field, format, args...) }

func (v *validator) validate() {
	f := v.f
	if f.ID == "" {
		v.add("/id", "required")
	} else if !reFlowID.MatchString(f.ID) {
		v.add("/id", "use 1–64 lower-case letters, digits, _ and -, starting with a letter or digit")
	}
	if f.Version < 0 {
		v.add("/version", "must not be negative")
	}
	if f.Languages != nil {
		if len(f.Languages) == 0 {
			v.add("/languages", "list at least one language")
		}
		seen := map[Lang]bool{}
		for i, l := range f.Languages {
			switch {
			case !l.Valid():
				v.add(ptrJoin("/languages", i), `unknown language %q (use "en" or "zh")`, l)
			case seen[l]:
				v.add(ptrJoin("/languages", i), "listed twice")
			}
			seen[l] = true
		}
	}
	if f.MaxAttempts != nil && (*f.MaxAttempts < 1 || *f.MaxAttempts > maxAttemptsLimit) {
		v.add("/max_attempts", "must be between 1 and %d", maxAttemptsLimit)
	}
	switch n := len(f.Steps); {
	case n == 0:
		v.add("/steps", "a flow needs at least one step")
		return
	case n > MaxSteps:
		v.add("/steps", "%d steps; the limit is %d", n, MaxSteps)
		return
	}
	v.collect()
	v.text("/name", f.Name, false)
	v.target("/start", f.Start, false)
	v.target("/on_fail", f.OnFail, false)
	for i := range f.Steps {
		v.step(i)
	}
	if len(v.issues.items) == 0 {
		v.graph()
	}
}

// collect indexes step ids and the slots the flow can fill.
func (v *validator) collect() {
	f := v.f
	v.ids = map[string]int{}
	v.known = map[string]bool{}
	v.slotTypes = map[string]SlotType{}
	v.idsOK = true
	if len(f.Inputs) > maxInputs {
		v.add("/inputs", "more than %d inputs", maxInputs)
	}
	for i, name := range f.Inputs {
		if !validSlotName(name) {
			v.add(ptrJoin("/inputs", i), "%q is not a slot name (a-z, 0-9 and _, starting with a letter)", name)
		} else if v.known[name] {
			v.add(ptrJoin("/inputs", i), "listed twice")
		}
		v.known[name] = true
	}
	for i, s := range f.Steps {
		p := ptrJoin("/steps", i)
		switch {
		case s.ID == "":
			v.add(p+"/id", "required")
			v.idsOK = false
		case !reStepID.MatchString(s.ID):
			v.add(p+"/id", "use 1–64 letters, digits, _ and -")
			v.idsOK = false
		default:
			if j, dup := v.ids[s.ID]; dup {
				v.add(p+"/id", "duplicate step id (also /steps/%d)", j)
			} else {
				v.ids[s.ID] = i
			}
		}
		switch s.Kind {
		case KindAsk:
			if s.Slot != nil && validSlotName(s.Slot.Name) && slices.Contains(slotTypes, s.Slot.Type) {
				if t, ok := v.slotTypes[s.Slot.Name]; ok && t != s.Slot.Type {
					v.add(p+"/slot/type", "slot %q is also asked as %s", s.Slot.Name, t)
				} else {
					v.slotTypes[s.Slot.Name] = s.Slot.Type
				}
				v.known[s.Slot.Name] = true
			}
		case KindWebhook:
			for name := range s.Result {
				if validSlotName(name) {
					v.known[name] = true
				}
			}
		}
	}
}

func (v *validator) step(i int) {
	s := &v.f.Steps[i]
	p := ptrJoin("/steps", i)
	allowed, ok := stepFields[s.Kind]
	switch {
	case s.Kind == "":
		v.add(p+"/kind", "required")
		return
	case !ok:
		v.add(p+"/kind", `unknown step kind %q (use say, ask, confirm, branch, webhook or end)`, s.Kind)
		return
	}
	if i < len(v.rawSteps) {
		keys := make([]string, 0, len(v.rawSteps[i]))
		for k := range v.rawSteps[i] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if k != "id" && k != "kind" && !slices.Contains(allowed, k) {
				v.add(ptrJoin(p, k), "not allowed in a %s step", s.Kind)
			}
		}
	}
	v.voice(p, s)
	switch s.Kind {
	case KindSay:
		v.text(p+"/text", s.Text, true)
		v.target(p+"/next", s.Next, true)
	case KindAsk:
		v.slotSpec(p+"/slot", s.Slot)
		v.text(p+"/prompt", s.Prompt, true)
		v.text(p+"/reprompt", s.Reprompt, false)
		v.attempts(p, s)
		v.target(p+"/next", s.Next, true)
	case KindConfirm:
		v.text(p+"/prompt", s.Prompt, true)
		v.text(p+"/reprompt", s.Reprompt, false)
		v.attempts(p, s)
		v.target(p+"/on_yes", s.OnYes, true)
		v.target(p+"/on_no", s.OnNo, true)
	case KindBranch:
		switch {
		case len(s.Cases) == 0:
			v.add(p+"/cases", "a branch needs at least one case")
		case len(s.Cases) > MaxCases:
			v.add(p+"/cases", "%d cases; the limit is %d", len(s.Cases), MaxCases)
		}
		for j := range s.Cases {
			v.condition(ptrJoin(p+"/cases", j), &s.Cases[j])
		}
		v.target(p+"/default", s.Default, true)
	case KindWebhook:
		v.webhook(p, s)
	case KindEnd:
		v.text(p+"/text", s.Text, true)
		switch s.Outcome {
		case "":
			v.add(p+"/outcome", "required (resolved or handoff)")
		case OutcomeResolved:
			if s.Queue != "" {
				v.add(p+"/queue", "only a handoff has a queue")
			}
			if s.Reason != "" {
				v.add(p+"/reason", "only a handoff has a reason")
			}
		case OutcomeHandoff:
			if s.Queue != "" && !reQueue.MatchString(s.Queue) {
				v.add(p+"/queue", "use 1–64 letters, digits, _, . and -")
			}
			if utf8.RuneCountInString(s.Reason) > maxReasonRunes {
				v.add(p+"/reason", "longer than %d characters", maxReasonRunes)
			}
		default:
			v.add(p+"/outcome", "unknown outcome %q (use resolved or handoff)", s.Outcome)
		}
	}
}

func (v *validator) attempts(p string, s *Step) {
	if s.MaxAttempts != nil && (*s.MaxAttempts < 1 || *s.MaxAttempts > maxAttemptsLimit) {
		v.add(p+"/max_attempts", "must be between 1 and %d", maxAttemptsLimit)
	}
	if s.OnFail == "" && v.f.OnFail == "" {
		v.add(p+"/on_fail", "required when the flow has no on_fail")
		return
	}
	v.target(p+"/on_fail", s.OnFail, false)
}

// target checks a reference to a step.
func (v *validator) target(p, id string, required bool) {
	if id == "" {
		if required {
			v.add(p, "required")
		}
		return
	}
	if _, ok := v.ids[id]; !ok && v.idsOK {
		v.add(p, "no step with id %q", id)
	}
}

// MultiLineText marks a Text as multi-line: prompts and replies may hold
// line breaks and tabs (httpapi's text check).
func (Text) MultiLineText() {}

// voice checks a step's words for calls: text for say and end steps, prompt
// and reprompt for ask and confirm steps, each a message like the step's own.
func (v *validator) voice(p string, s *Step) {
	if s.Voice == nil {
		return
	}
	p += "/voice"
	says := s.Kind == KindSay || s.Kind == KindEnd
	for _, w := range []struct {
		name string
		t    Text
	}{{"text", s.Voice.Text}, {"prompt", s.Voice.Prompt}, {"reprompt", s.Voice.Reprompt}} {
		name, t := w.name, w.t
		switch {
		case len(t) == 0:
		case (name == "text") != says:
			v.add(p+"/"+name, "not allowed in a %s step", s.Kind)
		default:
			v.text(p+"/"+name, t, false)
		}
	}
}

// text checks a message: the flow's languages present, no others, length
// and templates.
func (v *validator) text(p string, t Text, required bool) {
	if len(t) == 0 {
		if required {
			v.add(p, "required")
		}
		return
	}
	keys := make([]string, 0, len(t))
	for l := range t {
		keys = append(keys, string(l))
	}
	slices.Sort(keys)
	for _, k := range keys {
		l := Lang(k)
		lp := ptrJoin(p, k)
		if !l.Valid() {
			v.add(lp, `unknown language %q (use "en" or "zh")`, k)
			continue
		}
		s := t[l]
		if utf8.RuneCountInString(s) > MaxTextRunes {
			v.add(lp, "longer than %d characters", MaxTextRunes)
			continue
		}
		parts, err := parseTemplate(s)
		if err != nil {
			v.add(lp, "%v", err)
			continue
		}
		for _, part := range parts {
			if part.slot != "" && !v.known[part.slot] {
				v.add(lp, "unknown slot %q in {{%s}}", part.slot, part.slot)
			}
		}
	}
	for _, l := range v.f.langs() {
		if strings.TrimSpace(t[l]) == "" && l.Valid() {
			v.add(ptrJoin(p, l), "required: the flow speaks %s", l)
		}
	}
}

func (v *validator) slotSpec(p string, sp *SlotSpec) {
	if sp == nil {
		v.add(p, "required")
		return
	}
	if sp.Name == "" {
		v.add(p+"/name", "required")
	} else if !validSlotName(sp.Name) {
		v.add(p+"/name", "use 1–64 of a-z, 0-9 and _, starting with a letter")
	}
	switch {
	case sp.Type == "":
		v.add(p+"/type", "required")
		return
	case !slices.Contains(slotTypes, sp.Type):
		v.add(p+"/type", "unknown slot type %q (use enum, number, amount, date, phone, card_last4 or text)", sp.Type)
		return
	}
	t := sp.Type
	notFor := func(field string, present bool, types ...SlotType) {
		if present && !slices.Contains(types, t) {
			v.add(p+"/"+field, "not allowed for a %s slot", t)
		}
	}
	notFor("values", sp.Values != nil, SlotEnum)
	notFor("min", sp.Min != nil, SlotNumber, SlotAmount)
	notFor("max", sp.Max != nil, SlotNumber, SlotAmount)
	notFor("integer", sp.Integer, SlotNumber)
	notFor("currency", sp.Currency != "", SlotAmount)
	notFor("range", sp.Range != "", SlotDate)
	notFor("min_length", sp.MinLength != nil, SlotText)
	notFor("max_length", sp.MaxLength != nil, SlotText)
	if sp.Min != nil && sp.Max != nil && *sp.Min > *sp.Max {
		v.add(p+"/min", "greater than max")
	}
	if sp.Currency != "" && !reCurrency.MatchString(sp.Currency) {
		v.add(p+"/currency", "use an ISO 4217 code such as CNY or USD")
	}
	if sp.Range != "" && sp.Range != "past" && sp.Range != "future" {
		v.add(p+"/range", `unknown range %q (use "past" or "future")`, sp.Range)
	}
	lo, hi := 1, defaultTextMaxLen
	if sp.MinLength != nil {
		lo = *sp.MinLength
		if lo < 0 || lo > maxTextSlotRunes {
			v.add(p+"/min_length", "must be between 0 and %d", maxTextSlotRunes)
		}
	}
	if sp.MaxLength != nil {
		hi = *sp.MaxLength
		if hi < 1 || hi > maxTextSlotRunes {
			v.add(p+"/max_length", "must be between 1 and %d", maxTextSlotRunes)
		}
	}
	if t == SlotText && lo > hi {
		v.add(p+"/min_length", "greater than max_length")
	}
	if t == SlotEnum {
		v.enumValues(p+"/values", sp.Values)
	}
}

func (v *validator) enumValues(p string, values []EnumValue) {
	switch {
	case len(values) == 0:
		v.add(p, "an enum slot needs at least one value")
		return
	case len(values) > MaxEnumValues:
		v.add(p, "%d values; the limit is %d", len(values), MaxEnumValues)
		return
	}
	seen := map[string]int{}
	keys := map[string]int{}
	for i, ev := range values {
		vp := ptrJoin(p, i)
		if !reEnumVal.MatchString(ev.Value) {
			v.add(vp+"/value", "use 1–64 letters, digits, _, . and -")
		} else if j, dup := seen[ev.Value]; dup {
			v.add(vp+"/value", "duplicate value (also %s)", ptrJoin(p, j))
		} else {
			seen[ev.Value] = i
		}
		langs := make([]string, 0, len(ev.Synonyms))
		for l := range ev.Synonyms {
			langs = append(langs, string(l))
		}
		slices.Sort(langs)
		for _, l := range langs {
			lp := ptrJoin(vp+"/synonyms", l)
			if !Lang(l).Valid() {
				v.add(lp, `unknown language %q (use "en" or "zh")`, l)
				continue
			}
			syn := ev.Synonyms[Lang(l)]
			if len(syn) > MaxSynonyms {
				v.add(lp, "%d synonyms; the limit is %d", len(syn), MaxSynonyms)
				continue
			}
			for k, s := range syn {
				switch n := utf8.RuneCountInString(s); {
				case strings.TrimSpace(s) == "":
					v.add(ptrJoin(lp, k), "empty")
				case n > maxPhraseRunes:
					v.add(ptrJoin(lp, k), "longer than %d characters", maxPhraseRunes)
				}
			}
		}
		if ev.DTMF != "" {
			switch {
			case !reDTMF.MatchString(ev.DTMF):
				v.add(vp+"/dtmf", "use 1–3 keypad digits")
			default:
				for key, j := range keys {
					if strings.HasPrefix(key, ev.DTMF) || strings.HasPrefix(ev.DTMF, key) {
						v.add(vp+"/dtmf", "clashes with %s/dtmf", ptrJoin(p, j))
					}
				}
				keys[ev.DTMF] = i
			}
		}
	}
}

func (v *validator) condition(p string, c *Case) {
	if c.Slot == "" {
		v.add(p+"/slot", "required")
	} else if !v.known[c.Slot] {
		v.add(p+"/slot", "unknown slot %q", c.Slot)
	}
	scalar := func(x any) bool {
		switch x.(type) {
		case string, json.Number, bool:
			return true
		}
		return false
	}
	switch c.Op {
	case OpEq, OpNe:
		if c.Value == nil {
			v.add(p+"/value", "required for %s", c.Op)
		} else if !scalar(c.Value) {
			v.add(p+"/value", "want a string, number or boolean")
		}
		if c.Values != nil {
			v.add(p+"/values", "not allowed for %s (use value)", c.Op)
		}
	case OpIn, OpNotIn:
		switch {
		case len(c.Values) == 0:
			v.add(p+"/values", "required for %s: a list of values", c.Op)
		case len(c.Values) > MaxEnumValues:
			v.add(p+"/values", "%d values; the limit is %d", len(c.Values), MaxEnumValues)
		}
		for j, x := range c.Values {
			if !scalar(x) {
				v.add(ptrJoin(p+"/values", j), "want a string, number or boolean")
			}
		}
		if c.Value != nil {
			v.add(p+"/value", "not allowed for %s (use values)", c.Op)
		}
	case OpGt, OpGte, OpLt, OpLte:
		if _, ok := c.Value.(json.Number); !ok {
			v.add(p+"/value", "%s needs a number", c.Op)
		}
		if c.Values != nil {
			v.add(p+"/values", "not allowed for %s", c.Op)
		}
	case OpExists, OpMissing:
		if c.Value != nil {
			v.add(p+"/value", "not allowed for %s", c.Op)
		}
		if c.Values != nil {
			v.add(p+"/values", "not allowed for %s", c.Op)
		}
	case "":
		v.add(p+"/op", "required")
	default:
		v.add(p+"/op", "unknown operator %q (use eq, ne, in, not_in, gt, gte, lt, lte, exists or missing)", c.Op)
	}
	v.target(p+"/next", c.Next, true)
}

func (v *validator) webhook(p string, s *Step) {
	if s.URL == "" {
		v.add(p+"/url", "required")
	} else if err := checkWebhookURL(s.URL); err != nil {
		v.add(p+"/url", "%v", err)
	}
	if len(s.Slots) > MaxWebhookSlots {
		v.add(p+"/slots", "%d slots; the limit is %d", len(s.Slots), MaxWebhookSlots)
	}
	seen := map[string]bool{}
	for i, name := range s.Slots {
		switch {
		case !v.known[name]:
			v.add(ptrJoin(p+"/slots", i), "unknown slot %q", name)
		case seen[name]:
			v.add(ptrJoin(p+"/slots", i), "listed twice")
		}
		seen[name] = true
	}
	if len(s.Result) > MaxWebhookSlots {
		v.add(p+"/result", "%d slots; the limit is %d", len(s.Result), MaxWebhookSlots)
	}
	names := make([]string, 0, len(s.Result))
	for k := range s.Result {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, name := range names {
		rp := ptrJoin(p+"/result", name)
		if !validSlotName(name) {
			v.add(rp, "%q is not a slot name (a-z, 0-9 and _, starting with a letter)", name)
		}
		if path := s.Result[name]; len(path) > maxPathLen || !rePath.MatchString(path) {
			v.add(rp, `want a field path of the response such as "verified" or "data.name"`)
		}
	}
	if s.TimeoutMS != nil && (*s.TimeoutMS < MinWebhookTimeout || *s.TimeoutMS > MaxWebhookTimeout) {
		v.add(p+"/timeout_ms", "must be between %d and %d", MinWebhookTimeout, MaxWebhookTimeout)
	}
	if s.Retries != nil && (*s.Retries < 0 || *s.Retries > MaxWebhookRetries) {
		v.add(p+"/retries", "must be between 0 and %d", MaxWebhookRetries)
	}
	v.target(p+"/on_success", s.OnSuccess, true)
	v.target(p+"/on_failure", s.OnFailure, true)
}

// ---- graph ---------------------------------------------------------------

// targets lists where a step may go next.
func (f *Flow) targets(s *Step) []string {
	var out []string
	add := func(ids ...string) {
		for _, id := range ids {
			if id != "" {
				out = append(out, id)
			}
		}
	}
	switch s.Kind {
	case KindSay:
		add(s.Next)
	case KindAsk:
		add(s.Next, f.onFail(s))
	case KindConfirm:
		add(s.OnYes, s.OnNo, f.onFail(s))
	case KindBranch:
		for _, c := range s.Cases {
			add(c.Next)
		}
		add(s.Default)
	case KindWebhook:
		add(s.OnSuccess, s.OnFailure)
	}
	return out
}

// graph reports unreachable steps and loops that never wait for the
// customer.
func (v *validator) graph() {
	f := v.f
	start := f.StartStep()
	reached := map[string]bool{}
	queue := []string{start}
	if f.OnFail != "" {
		queue = append(queue, f.OnFail)
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if reached[id] {
			continue
		}
		reached[id] = true
		queue = append(queue, f.targets(&f.Steps[v.ids[id]])...)
	}
	for i, s := range f.Steps {
		if !reached[s.ID] {
			v.add(ptrJoin("/steps", i), "step %q is unreachable: no step leads to it", s.ID)
		}
	}
	// Depth-first search over steps that do not wait for the customer.
	waits := func(s *Step) bool { return s.Kind == KindAsk || s.Kind == KindConfirm }
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(f.Steps))
	var stack []string
	var visit func(i int) bool
	visit = func(i int) bool {
		color[i] = grey
		stack = append(stack, f.Steps[i].ID)
		for _, t := range f.targets(&f.Steps[i]) {
			j := v.ids[t]
			if waits(&f.Steps[j]) {
				continue
			}
			switch color[j] {
			case grey:
				k := slices.Index(stack, t)
				loop := append(slices.Clone(stack[k:]), t)
				v.add(ptrJoin("/steps", j), "loop without an ask or confirm step: %s", strings.Join(loop, " → "))
				return true
			case white:
				if visit(j) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[i] = black
		return false
	}
	for i := range f.Steps {
		if color[i] == white && !waits(&f.Steps[i]) {
			stack = stack[:0]
			if visit(i) {
				return
			}
		}
	}
}
