package local

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lingxi/lingxi/infra/logbuf"
)

// The demo bank's phone keypad menu on the local stack: a Chinese caller, whom no local recogniser
// understands, hears the menu after the greeting, keys 1 and is in the lost-card flow; an English
// caller hears it in English.
func TestDemoVoiceMenu(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack")
	}
	l := start(t, t.TempDir(), &logbuf.Buffer{})
	defer l.Close()
	ctx := context.Background()
	turn := func(body map[string]string) (say string, gather map[string]any) {
		t.Helper()
		code, raw, err := l.Call(ctx, "POST", "/v1/voice/turns", l.DemoKey, body)
		if err != nil || code != 200 {
			t.Fatalf("voice turn %v: %d %s %v", body, code, raw, err)
		}
		var r struct {
			Actions []map[string]any `json:"actions"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		var says []string
		for _, a := range r.Actions {
			switch a["type"] {
			case "say":
				says = append(says, a["text"].(string))
			case "gather":
				gather = a
			}
		}
		return strings.Join(says, " "), gather
	}

	say, g := turn(map[string]string{"call_id": "menu-zh@local", "caller": "+8613800000000"})
	if !strings.HasSuffix(say, "？银行卡挂失请按1，人工服务请按0。") || g["max_digits"] != 1.0 || !strings.Contains(strings.Join(hints(g), "|"), "银行卡挂失") {
		t.Fatalf("zh greeting %q, gather %v", say, g)
	}
	if say, _ = turn(map[string]string{"call_id": "menu-zh@local", "dtmf": "1"}); !strings.Contains(say, "我可以马上为您冻结银行卡") {
		t.Fatalf("zh key 1: %q", say)
	}
	if say, _ = turn(map[string]string{"call_id": "menu-en@local", "caller": "+442071234567"}); !strings.HasSuffix(say, "? For a lost or stolen card, press 1. For a person, press 0.") {
		t.Fatalf("en greeting %q", say)
	}
	if say, _ = turn(map[string]string{"call_id": "menu-en@local", "dtmf": "1"}); !strings.Contains(say, "I can lock your card right away") {
		t.Fatalf("en key 1: %q", say)
	}
}

func hints(gather map[string]any) []string {
	var out []string
	for _, h := range gather["hints"].([]any) {
		out = append(out, h.(string))
	}
	return out
}
