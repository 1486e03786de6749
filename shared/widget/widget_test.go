package widget

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

func TestCheckAndAllows(t *testing.T) {
	good := Widget{Origins: []string{" https://Shop.example.com/ ", "https://shop.example.com", "http://localhost:8080", "http://127.0.0.1:3000"}, Title: " 客服 "}
	good.Normalize()
	if fe := good.Check(); len(fe) != 0 || len(good.Origins) != 3 || good.Title != "客服" {
		t.Fatalf("good settings: %v %+v", fe, good)
	}
	for _, o := range []string{"http://shop.example.com", "ftp://x", "https://x/y", "https://x?q", "https://u@x", "x", "https://", strings.Repeat("a", MaxOriginLen+1)} {
		if fe := (Widget{Origins: []string{o}}).Check(); len(fe) != 1 || fe[0].Field != "/origins/0" {
			t.Errorf("origin %q: %v", o, fe)
		}
	}
	if fe := (Widget{Title: "a\nb"}).Check(); len(fe) != 1 || fe[0].Field != "/title" {
		t.Errorf("title with a newline: %v", fe)
	}
	if !good.Allows("") || !good.Allows("https://shop.example.com") || good.Allows("https://evil.example.com") || !(Widget{}).Allows("https://any.example") {
		t.Error("Allows")
	}
	id, err := NewID()
	if err != nil || !ValidID(id) || ValidID(id+"x") || ValidID("lxk_"+id[4:]) {
		t.Fatalf("id %q %v", id, err)
	}
}

// Resolve maps a widget id to its tenant and settings through the platform item, and nothing else
// to anything.
func TestResolve(t *testing.T) {
	ctx := t.Context()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	db := store.New(ddb, table)
	shop, _ := tenant.Parse("shop")
	id, _ := NewID()
	w := Widget{ID: id, Origins: []string{"https://shop.example.com"}, CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	if err := db.Tx(ctx, PutOps(shop, w, 0)...); err != nil {
		t.Fatal(err)
	}
	got, gw, err := Resolve(ctx, db, id)
	if err != nil || got != shop || gw.ID != id {
		t.Fatalf("Resolve = %v %+v %v", got, gw, err)
	}
	other, _ := NewID()
	for _, bad := range []string{other, "", "lxw_short", id + "x"} {
		if _, _, err := Resolve(ctx, db, bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("Resolve(%q) = %v", bad, err)
		}
	}
	// A second widget for the same tenant cannot take over: the first create is conditional.
	if err := db.Tx(ctx, PutOps(shop, Widget{ID: other}, 0)...); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second first-PUT: %v", err)
	}
}

func FuzzCheckOrigin(f *testing.F) {
	for _, s := range []string{"https://shop.example.com", "http://localhost:3000", "https://x/y", "javascript:alert(1)", "https://[::1]:8443", "http://127.0.0.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, o string) {
		w := Widget{Origins: []string{o}}
		w.Normalize()
		if len(w.Check()) == 0 && !w.Allows(w.Origins[0]) {
			t.Fatalf("accepted origin %q does not allow itself", o)
		}
	})
}
