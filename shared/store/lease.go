package store

import (
	"context"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lingxi/lingxi/shared/tenant"
)

// Leases: a bounded set of time-limited holds kept in one item, for "at most n at once" across
// instances (a tenant's share of a shared worker pool). The item holds the map attribute "leases",
// holder name → the lease's end in epoch milliseconds. Taking a lease is one conditional
// UpdateItem (SET leases.<holder> under size(leases) < n); releasing one is one REMOVE. A holder
// that dies keeps its lease only until it ends: the next taker that finds the set full reads it,
// removes the ended leases and tries again.

const attrLeases = "leases"

// MaxHolderLen bounds a lease holder's name, in bytes.
const MaxHolderLen = 255

// TakeLease adds holder's lease, ending after d, to t's lease set k if the set holds fewer than
// limit leases that have not ended; it reports whether it did. A holder that has a lease renews
// it only under the same bound. Release it with ReleaseLease.
func (s *Store) TakeLease(ctx context.Context, t tenant.ID, k Key, holder string, limit int, d time.Duration) (bool, error) {
	r, err := tenantRef("take lease", t, k)
	if err != nil {
		return false, err
	}
	if holder == "" || len(holder) > MaxHolderLen || !utf8.ValidString(holder) {
		return false, fmt.Errorf("take lease %s: %w: holder %q", r.name, ErrInvalidKey, holder)
	}
	if limit < 1 || d <= 0 {
		return false, fmt.Errorf("take lease %s: limit %d and lease %v must be positive", r.name, limit, d)
	}
	for range 4 { // again after creating the item, or after removing ended leases
		now := s.now()
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                &s.table,
			Key:                      r.dbKey(),
			UpdateExpression:         aws.String("SET #l.#h = :until ADD #ver :one"),
			ConditionExpression:      aws.String("attribute_exists(#l) AND size(#l) < :limit"),
			ExpressionAttributeNames: map[string]string{"#l": attrLeases, "#h": holder, "#ver": AttrVersion},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":until": num(now.Add(d).UnixMilli()), ":one": num(1), ":limit": num(int64(limit)),
			},
		})
		if err == nil {
			return true, nil
		}
		if !conditionFailed(err) {
			return false, fmt.Errorf("take lease %s: %w", r.name, err)
		}
		leases, exists, err := s.leases(ctx, r)
		if err != nil {
			return false, err
		}
		if !exists {
			if err := s.createLeases(ctx, r); err != nil {
				return false, err
			}
			continue
		}
		var ended []string
		for h, until := range leases {
			if until <= now.UnixMilli() {
				ended = append(ended, h)
			}
		}
		if len(ended) == 0 {
			if len(leases) >= limit {
				return false, nil
			}
			continue // a lease was released meanwhile
		}
		if err := s.dropLeases(ctx, r, ended); err != nil {
			return false, err
		}
	}
	return false, nil // the set kept changing: as good as full for now
}

// ReleaseLease removes holder's lease from t's lease set k; without one it does nothing.
func (s *Store) ReleaseLease(ctx context.Context, t tenant.ID, k Key, holder string) error {
	r, err := tenantRef("release lease", t, k)
	if err != nil {
		return err
	}
	if err := s.dropLeases(ctx, r, []string{holder}); err != nil {
		return fmt.Errorf("release lease %s: %w", r.name, err)
	}
	return nil
}

// Leases returns t's lease set k: holder → the lease's end, ended leases included (a reader
// compares them with its clock).
func (s *Store) Leases(ctx context.Context, t tenant.ID, k Key) (map[string]time.Time, error) {
	r, err := tenantRef("read leases", t, k)
	if err != nil {
		return nil, err
	}
	leases, _, err := s.leases(ctx, r)
	if err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(leases))
	for h, ms := range leases {
		out[h] = time.UnixMilli(ms)
	}
	return out, nil
}

func (s *Store) leases(ctx context.Context, r ref) (map[string]int64, bool, error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: r.dbKey(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, false, fmt.Errorf("read leases %s: %w", r.name, err)
	}
	m, ok := res.Item[attrLeases].(*types.AttributeValueMemberM)
	if !ok {
		return nil, false, nil
	}
	out := make(map[string]int64, len(m.Value))
	for h, v := range m.Value {
		n, ok := v.(*types.AttributeValueMemberN)
		if !ok {
			return nil, false, fmt.Errorf("read leases %s: lease %q is not a number", r.name, h)
		}
		ms, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			return nil, false, fmt.Errorf("read leases %s: lease %q: %w", r.name, h, err)
		}
		out[h] = ms
	}
	return out, true, nil
}

// createLeases gives r an empty lease set, unless it has one already.
func (s *Store) createLeases(ctx context.Context, r ref) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       r.dbKey(),
		UpdateExpression:          aws.String("SET #l = :empty ADD #ver :one"),
		ConditionExpression:       aws.String("attribute_not_exists(#l)"),
		ExpressionAttributeNames:  map[string]string{"#l": attrLeases, "#ver": AttrVersion},
		ExpressionAttributeValues: map[string]types.AttributeValue{":empty": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}, ":one": num(1)},
	})
	if err != nil && !conditionFailed(err) {
		return fmt.Errorf("create leases %s: %w", r.name, err)
	}
	return nil
}

// dropLeases removes holders' leases (those present) from r's set.
func (s *Store) dropLeases(ctx context.Context, r ref, holders []string) error {
	names := map[string]string{"#l": attrLeases, "#ver": AttrVersion}
	expr := "REMOVE "
	for i, h := range holders {
		if i > 0 {
			expr += ", "
		}
		n := "#h" + strconv.Itoa(i)
		names[n] = h
		expr += "#l." + n
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       r.dbKey(),
		UpdateExpression:          aws.String(expr + " ADD #ver :one"),
		ConditionExpression:       aws.String("attribute_exists(#l)"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)},
	})
	if err != nil && !conditionFailed(err) {
		return fmt.Errorf("drop leases %s: %w", r.name, err)
	}
	return nil
}
