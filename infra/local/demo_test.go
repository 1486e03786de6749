package local

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/shared/dialog"
)

// Regression (issue 8, "a chat flow ends with 感谢您的来电"): what the demo bot shows in a chat —
// flow texts other than their steps' voice words, intent answers, articles' answers other than
// their voice wording — fits a chat in both languages: it never thanks the customer for a call
// nor asks them to press a key. Every flow step that does word itself for calls parses
// (dialog.ParseFlow, in TestProductEndToEnd's seeding).
func TestDemoTextsFitTheChannel(t *testing.T) {
	callWords := []string{"来电", "致电", "按键", "按1", "按2", "for calling", "for your call", "press ", "key in"}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				if k == "voice" {
					continue // a call's own wording: a step's voice words, an article's voice answer
				}
				walk(path+"/"+k, child)
			}
		case []any:
			for _, child := range x {
				walk(path+"/*", child)
			}
		case string:
			for _, w := range callWords {
				if strings.Contains(strings.ToLower(x), w) {
					t.Errorf("%s: %q speaks of a call, but chats show it too", path, x)
				}
			}
		}
	}
	f, err := dialog.ParseFlow([]byte(strings.ReplaceAll(demoLostCard, "{{BANK}}", "http://127.0.0.1:8080")))
	if err != nil {
		t.Fatalf("the demo flow: %v", err)
	}
	if s, ok := f.Step("ask_method"); !ok || s.Voice == nil || len(s.Voice.Prompt) != 2 {
		t.Fatalf("the demo's keypad question has no voice words")
	}
	for name, doc := range map[string][]byte{"banking.json": demoBanking, "lost_card.json": []byte(demoLostCard)} {
		var v any
		if err := json.Unmarshal(doc, &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		walk(name, v)
	}
}
