package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lingxi/lingxi/shared/tenant"
)

// Page sizes for Query.
const (
	DefaultLimit = 100  // items evaluated per page when PageRequest.Limit is 0
	MaxLimit     = 1000 // larger limits are cut to this
)

// PageRequest asks for one page of a Query.
type PageRequest struct {
	// Limit is how many items DynamoDB evaluates for the page: 0 means DefaultLimit, more than
	// MaxLimit means MaxLimit. Items past their TTL are evaluated but not returned, so a page can
	// hold fewer items than Limit, even none, while Next is not empty.
	Limit int32
	// Cursor is the previous page's Next; empty for the first page. It is valid only for the same
	// tenant, kind, id prefix and direction.
	Cursor string
	// Descending returns items in descending id order.
	Descending bool
}

// QueryResult is one page.
type QueryResult struct {
	Items []Record
	// Next is the cursor for the following page; empty when there are no more items. It is opaque
	// to callers (today base64url JSON of the last key read; not a secret, not signed).
	Next string
}

// Record is one item returned by Query.
type Record struct {
	Key     Key
	Version int64
	// Expires is the item's TTL; zero if it has none.
	Expires time.Time
	attrs   map[string]types.AttributeValue // without the reserved attributes
}

// Decode unmarshals the record's value into out, as Get does.
func (r Record) Decode(out any) error {
	if err := attributevalue.UnmarshalMap(r.attrs, out); err != nil {
		return fmt.Errorf("decode %s: %w", r.Key, err)
	}
	return nil
}

// Query returns t's live items of kind whose id starts with idPrefix (empty: all of them), in id
// order (byte order of UTF-8), one page at a time.
func (s *Store) Query(ctx context.Context, t tenant.ID, kind, idPrefix string, page PageRequest) (QueryResult, error) {
	name := t.String() + "/" + kind + "/" + idPrefix + "*"
	if t.IsZero() {
		return QueryResult{}, fmt.Errorf("query %s: %w", name, errZeroTenant)
	}
	return s.query(ctx, name, "T#"+t.String()+"#"+kind, kind, idPrefix, page)
}

// PlatformQuery is Query over platform items of kind (pk "P#<kind>"), e.g. the outbox.
func (s *Store) PlatformQuery(ctx context.Context, kind, idPrefix string, page PageRequest) (QueryResult, error) {
	return s.query(ctx, "platform/"+kind+"/"+idPrefix+"*", "P#"+kind, kind, idPrefix, page)
}

// query reads one partition pk by id prefix; name says what for in errors.
func (s *Store) query(ctx context.Context, name, pk, kind, idPrefix string, page PageRequest) (QueryResult, error) {
	if err := validKind(kind); err != nil {
		return QueryResult{}, fmt.Errorf("query %s: %w", name, err)
	}
	if len(idPrefix) > MaxIDLen || !utf8.ValidString(idPrefix) {
		return QueryResult{}, fmt.Errorf("query %s: %w: id prefix of %d bytes, or not UTF-8", name, ErrInvalidKey, len(idPrefix))
	}
	limit := page.Limit
	switch {
	case limit < 0:
		return QueryResult{}, fmt.Errorf("query %s: negative limit %d", name, limit)
	case limit == 0:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	c := cursor{PK: pk, Prefix: idPrefix, Desc: page.Descending}
	var start map[string]types.AttributeValue
	if page.Cursor != "" {
		sk, err := c.decode(page.Cursor)
		if err != nil {
			return QueryResult{}, fmt.Errorf("query %s: %w", name, err)
		}
		start = map[string]types.AttributeValue{AttrPK: str(c.PK), AttrSK: str(sk)}
	}
	now := s.now()
	in := &dynamodb.QueryInput{
		TableName:                &s.table,
		KeyConditionExpression:   aws.String("#pk = :pk"),
		FilterExpression:         aws.String("attribute_not_exists(#ttl) OR #ttl > :now"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK, "#ttl": AttrTTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":  str(c.PK),
			":now": num(now.Unix()),
		},
		ScanIndexForward:  aws.Bool(!page.Descending),
		Limit:             &limit,
		ExclusiveStartKey: start,
		ConsistentRead:    aws.Bool(true),
	}
	if idPrefix != "" {
		in.KeyConditionExpression = aws.String("#pk = :pk AND begins_with(#sk, :prefix)")
		in.ExpressionAttributeNames["#sk"] = AttrSK
		in.ExpressionAttributeValues[":prefix"] = str(idPrefix)
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return QueryResult{}, fmt.Errorf("query %s: %w", name, err)
	}
	res := QueryResult{Items: make([]Record, 0, len(out.Items))}
	for _, item := range out.Items {
		id, ok := item[AttrSK].(*types.AttributeValueMemberS)
		if !ok || expired(item, now) {
			continue
		}
		rec := Record{Key: Key{Kind: kind, ID: id.Value}, Version: numAttr(item, AttrVersion), attrs: userAttrs(item)}
		if _, ok := item[AttrTTL]; ok {
			rec.Expires = time.Unix(numAttr(item, AttrTTL), 0)
		}
		res.Items = append(res.Items, rec)
	}
	if sk, ok := out.LastEvaluatedKey[AttrSK].(*types.AttributeValueMemberS); ok {
		res.Next = c.encode(sk.Value)
	}
	return res, nil
}

// cursor is what a Query cursor holds: the query it belongs to and the last id read. Decoding
// checks that the query matches, so a cursor from another tenant or kind is refused before it
// reaches DynamoDB rather than trusted as an ExclusiveStartKey.
type cursor struct {
	PK     string `json:"pk"`
	Prefix string `json:"p,omitempty"`
	Desc   bool   `json:"d,omitempty"`
	SK     string `json:"sk"`
}

func (c cursor) encode(sk string) string {
	c.SK = sk
	b, _ := json.Marshal(c) // strings and a bool: cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// decode returns the last id of s if s is a cursor for the query c; else ErrInvalidCursor.
func (c cursor) decode(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", fmt.Errorf("%w: not base64url", ErrInvalidCursor)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var got cursor
	if err := dec.Decode(&got); err != nil || dec.More() {
		return "", fmt.Errorf("%w: malformed", ErrInvalidCursor)
	}
	if got.PK != c.PK || got.Prefix != c.Prefix || got.Desc != c.Desc {
		return "", fmt.Errorf("%w: it belongs to another query", ErrInvalidCursor)
	}
	if validID("id", got.SK) != nil || !strings.HasPrefix(got.SK, c.Prefix) {
		return "", fmt.Errorf("%w: bad position", ErrInvalidCursor)
	}
	return got.SK, nil
}
