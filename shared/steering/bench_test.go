package steering

import (
	"context"
	"testing"
	"time"
)

// BenchmarkRunTenant is one tenant's minute (one queue under a surge, four strategies in force)
// against the emulators: every read and the transaction, the decision core's few microseconds
// aside. It sizes RunAll's pool: the minute is I/O, so workers × (60 s ÷ this) tenants fit.
func BenchmarkRunTenant(b *testing.B) {
	ctx := context.Background()
	fx := newFixture(b, nil)
	fx.floorOf(b, fx.acme, 2)
	fx.board(b, fx.acme, 8, 10, 2)
	fx.arrivals(b, fx.acme, 30)
	if _, err := fx.eng.RunTenant(ctx, fx.acme); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		fx.clk.set(start.Add(time.Duration(i+1) * time.Minute))
		if _, err := fx.eng.RunTenant(ctx, fx.acme); err != nil {
			b.Fatal(err)
		}
	}
}
