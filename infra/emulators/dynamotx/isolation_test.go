package dynamotx_test

import (
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// transfer moves 1 from item from to item to, if from has some left: a transaction of two
// conditional updates, as the store writes them.
func (e *env) transfer(from, to string) error {
	return e.tx(
		types.TransactWriteItem{Update: &types.Update{
			TableName: &e.table, Key: key(from),
			UpdateExpression:          aws.String("ADD #n :minus"),
			ConditionExpression:       aws.String("#n > :zero"),
			ExpressionAttributeNames:  map[string]string{"#n": "n"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":minus": n(-1), ":zero": n(0)},
		}},
		e.addUpTo(to, 1, 1<<30),
	)
}

// Many goroutines run conflicting transactions while others write the same items outside any
// transaction and read them: no read sees a transaction half done or one that was cancelled, and
// at the end the total is unchanged and every plain write is there.
func TestConcurrentTransactionsAndPlainWrites(t *testing.T) {
	e := newEnv(t)
	const total, workers, rounds = 40, 8, 25
	e.put(t, "a", map[string]types.AttributeValue{"n": n(total)})
	e.put(t, "b", map[string]types.AttributeValue{"n": n(0)})
	e.put(t, "poison", map[string]types.AttributeValue{"v": n(0)})

	var (
		wg                    sync.WaitGroup
		moved, cancelled      atomic.Int64
		plainWrites, bad      atomic.Int64
		stop                  = make(chan struct{})
		readers               sync.WaitGroup
		sawTorn, sawCancelled atomic.Int64
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from, to := "a", "b"
			if w%2 == 1 {
				from, to = "b", "a"
			}
			for range rounds {
				switch err := e.transfer(from, to); {
				case err == nil:
					if from == "a" {
						moved.Add(1)
					} else {
						moved.Add(-1)
					}
				case errors.As(err, new(*types.TransactionCanceledException)):
					cancelled.Add(1)
				default:
					t.Error(err)
					return
				}
				// A plain write to an item transactions touch: its own attribute.
				_, err := e.db.UpdateItem(e.ctx, &dynamodb.UpdateItemInput{
					TableName: &e.table, Key: key(from),
					UpdateExpression:          aws.String("ADD #m :one"),
					ExpressionAttributeNames:  map[string]string{"#m": "m"},
					ExpressionAttributeValues: map[string]types.AttributeValue{":one": n(1)},
				})
				if err != nil {
					t.Error(err)
					return
				}
				plainWrites.Add(1)
				// A transaction that always cancels after its first op has written "poison".
				err = e.tx(
					types.TransactWriteItem{Update: &types.Update{
						TableName: &e.table, Key: key("poison"),
						UpdateExpression:          aws.String("SET #v = :bad"),
						ExpressionAttributeNames:  map[string]string{"#v": "v"},
						ExpressionAttributeValues: map[string]types.AttributeValue{":bad": n(666)},
					}},
					e.check("nobody", "attribute_exists(#pk)"),
				)
				if !errors.As(err, new(*types.TransactionCanceledException)) {
					bad.Add(1)
				}
			}
		}()
	}
	readers.Add(2)
	go func() { // transactional reads: a and b always add up
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			out, err := e.db.TransactGetItems(e.ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
				{Get: &types.Get{TableName: &e.table, Key: key("a")}},
				{Get: &types.Get{TableName: &e.table, Key: key("b")}},
			}})
			if err != nil {
				t.Error(err)
				return
			}
			if num(out.Responses[0].Item, "n")+num(out.Responses[1].Item, "n") != total {
				sawTorn.Add(1)
			}
		}
	}()
	go func() { // plain reads never see a cancelled transaction's write
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if num(e.get(t, "poison"), "v") != 0 {
				sawCancelled.Add(1)
			}
		}
	}()
	wg.Wait()
	close(stop)
	readers.Wait()

	if bad.Load() > 0 {
		t.Errorf("%d always-failing transactions did not cancel", bad.Load())
	}
	if sawTorn.Load() > 0 || sawCancelled.Load() > 0 {
		t.Errorf("reads saw %d torn transfers and %d cancelled writes", sawTorn.Load(), sawCancelled.Load())
	}
	a, b := e.get(t, "a"), e.get(t, "b")
	if num(a, "n")+num(b, "n") != total || num(b, "n") != int(moved.Load()) {
		t.Errorf("a=%d b=%d after a net %d moved; total must stay %d", num(a, "n"), num(b, "n"), moved.Load(), total)
	}
	if got := num(a, "m") + num(b, "m"); got != int(plainWrites.Load()) {
		t.Errorf("plain writes kept: %d of %d", got, plainWrites.Load())
	}
	t.Logf("%d transfers committed, %d cancelled (empty side)", workers*rounds-int(cancelled.Load()), cancelled.Load())
}

// median returns the middle of d.
func median(d []time.Duration) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

// BenchmarkPlain measures a GetItem and a PutItem straight to dynalite and through the proxy;
// median-µs is the median of one call.
//
//	go test -run '^$' -bench Plain -benchtime 2000x ./infra/emulators/dynamotx
func BenchmarkPlain(b *testing.B) {
	e := newEnv(b)
	e.put(b, "k", map[string]types.AttributeValue{"n": n(1), "text": s("a short value like the store's")})
	for _, via := range []struct {
		name string
		db   *dynamodb.Client
	}{{"direct", e.direct}, {"proxy", e.db}} {
		for _, op := range []string{"GetItem", "PutItem"} {
			b.Run(op+"/"+via.name, func(b *testing.B) {
				lat := make([]time.Duration, 0, b.N)
				for b.Loop() {
					start := time.Now()
					var err error
					if op == "GetItem" {
						_, err = via.db.GetItem(e.ctx, &dynamodb.GetItemInput{TableName: &e.table, Key: key("k"), ConsistentRead: aws.Bool(true)})
					} else {
						_, err = via.db.PutItem(e.ctx, &dynamodb.PutItemInput{TableName: &e.table, Item: map[string]types.AttributeValue{"pk": s("k"), "n": n(1)}})
					}
					lat = append(lat, time.Since(start))
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(median(lat).Microseconds()), "median-µs")
			})
		}
	}
}

// BenchmarkContention runs transfers between two hot items from parallel goroutines; tx/s counts
// the transactions answered (committed or cancelled) per second.
//
//	go test -run '^$' -bench Contention -benchtime 2000x -cpu 1,8 ./infra/emulators/dynamotx
func BenchmarkContention(b *testing.B) {
	e := newEnv(b)
	e.put(b, "a", map[string]types.AttributeValue{"n": n(1 << 20)})
	e.put(b, "b", map[string]types.AttributeValue{"n": n(0)})
	var cancelled atomic.Int64
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			err := e.transfer("a", "b")
			if errors.As(err, new(*types.TransactionCanceledException)) {
				cancelled.Add(1)
			} else if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "tx/s")
	b.ReportMetric(float64(cancelled.Load()), "cancelled")
}
