package template

import (
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	chathandler "github.com/lingxi/lingxi/functions/chat/handler"
)

// The chat function's HttpApi events and its router serve exactly the same routes.
func TestChatRoutesMatchTemplate(t *testing.T) {
	tpl := load(t)
	fn := tpl.Resources["ChatFunction"]
	if fn == nil {
		t.Fatal("no ChatFunction")
	}
	var declaredRoutes []string
	for _, ev := range m(fn.Properties["Events"]) {
		if s(m(ev)["Type"]) == "HttpApi" {
			p := m(m(ev)["Properties"])
			declaredRoutes = append(declaredRoutes, strings.ToUpper(s(p["Method"]))+" "+s(p["Path"]))
		}
	}
	served := chathandler.New(nil, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil))).Routes()
	slices.Sort(declaredRoutes)
	slices.Sort(served)
	if !slices.Equal(declaredRoutes, served) {
		t.Fatalf("template routes %v\nhandler routes  %v", declaredRoutes, served)
	}
}
