package local

import (
	"encoding/json"
	"strings"
	"testing"
)

// Regression (issue 8, "a chat flow ends with 感谢您的来电"): what the demo bot shows in a chat —
// flow texts, intent answers, articles' answers other than their voice wording — fits a chat in
// both languages: it never thanks the customer for a call.
func TestDemoTextsFitTheChannel(t *testing.T) {
	callWords := []string{"来电", "致电", "for calling", "for your call"}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				if k == "voice" && strings.HasSuffix(path, "/channel_answers") {
					continue // a call's own wording
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
	for name, doc := range map[string][]byte{"banking.json": demoBanking, "lost_card.json": []byte(demoLostCard)} {
		var v any
		if err := json.Unmarshal(doc, &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		walk(name, v)
	}
}
