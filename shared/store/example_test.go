package store_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Contact is a value as a caller stores it: dynamodbav tags name the attributes.
type Contact struct {
	Name    string    `dynamodbav:"name"`
	Updated time.Time `dynamodbav:"updated"`
}

// A read-modify-write that retries when another writer got in first. (Compiled, not run: the
// tests run the same calls against dynalite.)
func ExampleStore_Put() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		panic(err)
	}
	s := store.New(dynamodb.NewFromConfig(cfg), "lingxi")
	acme, _ := tenant.Parse("acme") // in a handler: from auth, never from a body
	k := store.Key{Kind: "contact", ID: "c-42"}
	for range 3 {
		var c Contact
		ver, err := s.Get(ctx, acme, k, &c)
		if errors.Is(err, store.ErrNotFound) {
			ver = 0 // Put at version 0 creates
		} else if err != nil {
			panic(err)
		}
		c.Name, c.Updated = "Ann", time.Now()
		_, err = s.Put(ctx, acme, k, c, ver)
		if errors.Is(err, store.ErrConflict) {
			continue // someone else wrote it: read again
		}
		if err != nil {
			panic(err)
		}
		break
	}
}

// Paging through a tenant's items of one kind.
func ExampleStore_Query() {
	ctx := context.Background()
	cfg, _ := config.LoadDefaultConfig(ctx)
	s := store.New(dynamodb.NewFromConfig(cfg), "lingxi")
	acme, _ := tenant.Parse("acme")
	page := store.PageRequest{Limit: 50}
	for {
		res, err := s.Query(ctx, acme, "contact", "c-", page)
		if err != nil {
			panic(err)
		}
		for _, r := range res.Items {
			var c Contact
			if err := r.Decode(&c); err != nil {
				panic(err)
			}
			fmt.Println(r.Key.ID, r.Version, c.Name)
		}
		if res.Next == "" {
			break
		}
		page.Cursor = res.Next // hand it to the API client; it comes back opaque
	}
}
