// Package store is tenant-scoped access to Lingxi's one DynamoDB table.
//
// # Layout
//
// The table has partition key "pk" (S) and sort key "sk" (S), TTL on "ttl" (N, epoch seconds) and a
// version attribute "ver" (N). A tenant's items live under pk = "T#<tenant>#<kind>", sk = <id>;
// platform items that no tenant owns (the API-key-hash index) under pk = "P#<kind>", sk = <id>.
// Every tenant call takes the tenant as a typed tenant.ID and builds the key from it, so there is
// no way to name another tenant's item; the zero ID is rejected before any I/O. Idempotency records
// (Claim) live under the kind "~claim", which no Key can name.
//
// # Values
//
// Values are marshalled with the SDK's attributevalue package and its defaults: fields are named by
// `dynamodbav` tags (json tags are ignored, so a field can be hidden from API output with json:"-"
// and still be stored); untagged fields use their Go names; time.Time is an RFC 3339 string. A
// value must marshal to a map (a struct, a pointer to one, or a map); untyped nil stores an item with
// no attributes. A value that would set pk, sk, ver or ttl is rejected with ErrInvalidValue.
//
// # Versions and conditions
//
// Every item carries "ver", 1 when created and one more on every Put (and on every Add). Writes are
// conditional (optimistic concurrency): a failed condition is ErrConflict, as a *ConflictError.
// Reads are strongly consistent.
//
// # TTL
//
// WithTTL sets "ttl". DynamoDB deletes expired items only eventually (typically within a few days),
// and until then reads and queries return them; AWS tells readers to filter them out. So the store
// does, as production behaviour: Get and Query treat an item past its TTL as absent, and Create
// (or Put at version 0) may replace it. Deleting expired items is the table's job (DynamoDB's TTL;
// on the local stack, devstack's TTL sweeper), never the store's.
//
// # Transactions
//
// Tx is one TransactWriteItems call; a failed condition is read from its cancellation reasons.
// There is no other path: the emulators of the tests and the local stack answer TransactWriteItems
// too (infra/emulators puts a front with transactions before dynalite).
package store

import (
	"context"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lingxi/lingxi/shared/tenant"
)

// Attribute names of the table's schema and the store's bookkeeping. Values may not use them.
const (
	AttrPK      = "pk"
	AttrSK      = "sk"
	AttrVersion = "ver"
	AttrTTL     = "ttl"
)

// Limits on keys.
const (
	MaxKindLen = 64  // bytes in a Kind
	MaxIDLen   = 512 // bytes in an ID (and in a Query id prefix, and a Claim event id)
)

// Store reads and writes the table. It is safe for concurrent use.
type Store struct {
	db    *dynamodb.Client
	table string
	now   func() time.Time
}

// New returns a Store over table.
func New(db *dynamodb.Client, table string) *Store {
	return &Store{db: db, table: table, now: time.Now}
}

// WithClock returns a copy of s that reads the time from now: it decides TTL expiry, lease expiry
// for Claim and the TTLs that Claim and Complete write. For tests; production uses time.Now.
func (s *Store) WithClock(now func() time.Time) *Store {
	c := *s
	c.now = now
	return &c
}

// Key names an item within a tenant (or within the platform).
type Key struct {
	// Kind is the item's type: 1–64 bytes of [a-z0-9_.-].
	Kind string
	// ID is the item's id within its kind: 1–512 bytes of UTF-8.
	ID string
}

// String returns "kind/id".
func (k Key) String() string { return k.Kind + "/" + k.ID }

// Validate checks k against the rules on Kind and ID; the error wraps ErrInvalidKey.
func (k Key) Validate() error {
	if err := validKind(k.Kind); err != nil {
		return err
	}
	return validID("id", k.ID)
}

func validKind(kind string) error {
	if kind == "" || len(kind) > MaxKindLen {
		return fmt.Errorf("%w: kind length %d", ErrInvalidKey, len(kind))
	}
	for i := 0; i < len(kind); i++ {
		c := kind[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return fmt.Errorf("%w: kind %q has %q", ErrInvalidKey, kind, c)
		}
	}
	return nil
}

func validID(what, id string) error {
	if id == "" || len(id) > MaxIDLen {
		return fmt.Errorf("%w: %s length %d", ErrInvalidKey, what, len(id))
	}
	if !utf8.ValidString(id) {
		return fmt.Errorf("%w: %s is not UTF-8", ErrInvalidKey, what)
	}
	return nil
}

// Option changes a write.
type Option func(*writeOptions)

type writeOptions struct{ expires time.Time }

// WithTTL makes the item expire at expires: it is written to "ttl" (rounded up to the second), the
// store treats the item as absent from then on, and DynamoDB deletes it some time later. The zero
// time means no TTL. Put replaces the whole item, so pass WithTTL again to keep one.
func WithTTL(expires time.Time) Option {
	return func(o *writeOptions) { o.expires = expires }
}

func applyOptions(opts []Option) writeOptions {
	var o writeOptions
	for _, f := range opts {
		f(&o)
	}
	return o
}

// ref is a validated item address.
type ref struct {
	key  Key
	pk   string
	name string // "tenant/kind/id" or "platform/kind/id", for messages
}

func (r ref) dbKey() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrPK: str(r.pk), AttrSK: str(r.key.ID)}
}

// tenantRef checks t and k; the error names op and wraps the reason.
func tenantRef(op string, t tenant.ID, k Key) (ref, error) {
	if t.IsZero() {
		return ref{}, fmt.Errorf("%s %s: %w", op, k, errZeroTenant)
	}
	r := ref{key: k, pk: "T#" + t.String() + "#" + k.Kind, name: t.String() + "/" + k.String()}
	if err := k.Validate(); err != nil {
		return ref{}, fmt.Errorf("%s %s: %w", op, r.name, err)
	}
	return r, nil
}

func platformRef(op string, k Key) (ref, error) {
	r := ref{key: k, pk: "P#" + k.Kind, name: "platform/" + k.String()}
	if err := k.Validate(); err != nil {
		return ref{}, fmt.Errorf("%s %s: %w", op, r.name, err)
	}
	return r, nil
}

// Get reads t's item k into out (which may be nil) and returns its version. ErrNotFound if it is
// absent or past its TTL.
func (s *Store) Get(ctx context.Context, t tenant.ID, k Key, out any) (version int64, err error) {
	r, err := tenantRef("get", t, k)
	if err != nil {
		return 0, err
	}
	return s.get(ctx, "get", r, out)
}

// Create writes t's item k at version 1. ErrConflict (a *ConflictError with Want 0) if it exists.
func (s *Store) Create(ctx context.Context, t tenant.ID, k Key, v any, opts ...Option) error {
	r, err := tenantRef("create", t, k)
	if err != nil {
		return err
	}
	_, err = s.put(ctx, "create", r, v, 0, opts)
	return err
}

// Put replaces t's item k with v if the item is at version (0: if it does not exist) and returns
// the new version, version+1. ErrConflict (a *ConflictError) otherwise.
func (s *Store) Put(ctx context.Context, t tenant.ID, k Key, v any, version int64, opts ...Option) (newVersion int64, err error) {
	r, err := tenantRef("put", t, k)
	if err != nil {
		return 0, err
	}
	return s.put(ctx, "put", r, v, version, opts)
}

// Delete removes t's item k. Version 0 deletes whatever is there, and is ErrNotFound if nothing
// (live) was; any other version deletes only an item at that version, else ErrConflict.
func (s *Store) Delete(ctx context.Context, t tenant.ID, k Key, version int64) error {
	r, err := tenantRef("delete", t, k)
	if err != nil {
		return err
	}
	return s.delete(ctx, "delete", r, version)
}

// PlatformGet reads the platform item k into out (which may be nil) and returns its version.
// ErrNotFound if it is absent or past its TTL.
func (s *Store) PlatformGet(ctx context.Context, k Key, out any) (int64, error) {
	r, err := platformRef("get", k)
	if err != nil {
		return 0, err
	}
	return s.get(ctx, "get", r, out)
}

// PlatformCreate writes the platform item k at version 1. ErrConflict if it exists.
func (s *Store) PlatformCreate(ctx context.Context, k Key, v any, opts ...Option) error {
	r, err := platformRef("create", k)
	if err != nil {
		return err
	}
	_, err = s.put(ctx, "create", r, v, 0, opts)
	return err
}

// PlatformDelete removes the platform item k. ErrNotFound if nothing (live) was there.
func (s *Store) PlatformDelete(ctx context.Context, k Key) error {
	r, err := platformRef("delete", k)
	if err != nil {
		return err
	}
	return s.delete(ctx, "delete", r, 0)
}

func (s *Store) get(ctx context.Context, op string, r ref, out any) (int64, error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            r.dbKey(),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", op, r.name, err)
	}
	if res.Item == nil || expired(res.Item, s.now()) {
		return 0, fmt.Errorf("%s %s: %w", op, r.name, ErrNotFound)
	}
	if out != nil {
		if err := attributevalue.UnmarshalMap(userAttrs(res.Item), out); err != nil {
			return 0, fmt.Errorf("%s %s: decode: %w", op, r.name, err)
		}
	}
	return numAttr(res.Item, AttrVersion), nil
}

func (s *Store) put(ctx context.Context, op string, r ref, v any, version int64, opts []Option) (int64, error) {
	if version < 0 {
		return 0, fmt.Errorf("%s %s: negative version %d", op, r.name, version)
	}
	attrs, err := encode(v)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", op, r.name, err)
	}
	c := condAbsent
	if version > 0 {
		c = condVersion
	}
	w := write{r: r, item: attrs, cond: c, want: version, expires: applyOptions(opts).expires}
	in := w.putInput(s.table, s.now())
	if _, err := s.db.PutItem(ctx, in); err != nil {
		if conditionFailed(err) {
			return 0, fmt.Errorf("%s %s: %w", op, r.name, &ConflictError{Key: r.key, Want: version})
		}
		return 0, fmt.Errorf("%s %s: %w", op, r.name, err)
	}
	return version + 1, nil
}

func (s *Store) delete(ctx context.Context, op string, r ref, version int64) error {
	if version < 0 {
		return fmt.Errorf("%s %s: negative version %d", op, r.name, version)
	}
	now := s.now()
	if version == 0 {
		res, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName:    &s.table,
			Key:          r.dbKey(),
			ReturnValues: types.ReturnValueAllOld,
		})
		if err != nil {
			return fmt.Errorf("%s %s: %w", op, r.name, err)
		}
		if res.Attributes == nil || expired(res.Attributes, now) {
			return fmt.Errorf("%s %s: %w", op, r.name, ErrNotFound)
		}
		return nil
	}
	w := write{r: r, delete: true, cond: condVersion, want: version}
	if _, err := s.db.DeleteItem(ctx, w.deleteInput(s.table, now)); err != nil {
		if conditionFailed(err) {
			return fmt.Errorf("%s %s: %w", op, r.name, &ConflictError{Key: r.key, Want: version})
		}
		return fmt.Errorf("%s %s: %w", op, r.name, err)
	}
	return nil
}

// reserved are the attribute names values may not set.
var reserved = [...]string{AttrPK, AttrSK, AttrVersion, AttrTTL}

// encode marshals v to the attributes of an item, without the reserved ones.
func encode(v any) (map[string]types.AttributeValue, error) {
	if v == nil {
		return map[string]types.AttributeValue{}, nil
	}
	av, err := attributevalue.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	m, ok := av.(*types.AttributeValueMemberM)
	if !ok {
		return nil, fmt.Errorf("%w: %T does not marshal to a map", ErrInvalidValue, v)
	}
	for _, name := range reserved {
		if _, ok := m.Value[name]; ok {
			return nil, fmt.Errorf("%w: attribute %q is reserved", ErrInvalidValue, name)
		}
	}
	return m.Value, nil
}

// userAttrs returns item without the reserved attributes.
func userAttrs(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(item))
	for name, v := range item {
		out[name] = v
	}
	for _, name := range reserved {
		delete(out, name)
	}
	return out
}

// expired reports whether item has a TTL at or before now.
func expired(item map[string]types.AttributeValue, now time.Time) bool {
	_, ok := item[AttrTTL]
	return ok && numAttr(item, AttrTTL) <= now.Unix()
}

// ttlSeconds is expires as a TTL attribute: epoch seconds, rounded up.
func ttlSeconds(expires time.Time) int64 {
	sec := expires.Unix()
	if expires.Nanosecond() > 0 {
		sec++
	}
	return sec
}

// numAttr returns the number attribute name of item, 0 if it is missing or not an integer.
func numAttr(item map[string]types.AttributeValue, name string) int64 {
	n, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		return 0
	}
	return v
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}
