package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lingxi/lingxi/shared/tenant"
)

// Idempotency records: pk "T#<tenant>#~claim", sk = event id. "~" is outside Kind's alphabet, so no
// Key reaches them.
const (
	claimKind    = "~claim"
	attrState    = "state" // stateClaimed or stateDone
	attrUntil    = "until" // a claim's lease end, epoch milliseconds
	stateClaimed = "claimed"
	stateDone    = "done"
)

func claimRef(op string, t tenant.ID, eventID string) (ref, error) {
	name := t.String() + "/" + claimKind + "/" + eventID
	if t.IsZero() {
		return ref{}, fmt.Errorf("%s %s: %w", op, name, errZeroTenant)
	}
	if err := validID("event id", eventID); err != nil {
		return ref{}, fmt.Errorf("%s %s: %w", op, name, err)
	}
	return ref{key: Key{Kind: claimKind, ID: eventID}, pk: "T#" + t.String() + "#" + claimKind, name: name}, nil
}

// Claim asks to process t's event eventID, for stream consumers that must act on an event once. It
// returns true if the caller may go ahead: there was no record, or only a claim whose lease has
// ended (its holder is presumed dead), or a record past its TTL. The caller then holds a lease until
// now+lease and must call Complete after processing, or Release if processing failed. Claim returns
// false with no error if the event is done, and an error wrapping ErrClaimed if another live lease
// holds it (retry later: it is not done).
//
// Leases are not owned: Complete and Release do not check who calls them, so pick a lease longer
// than processing can take (at least the function's timeout); past it, another caller may claim the
// event and both process it.
func (s *Store) Claim(ctx context.Context, t tenant.ID, eventID string, lease time.Duration) (bool, error) {
	r, err := claimRef("claim", t, eventID)
	if err != nil {
		return false, err
	}
	if lease <= 0 {
		return false, fmt.Errorf("claim %s: lease %v is not positive", r.name, lease)
	}
	now := s.now()
	until := now.Add(lease)
	item := r.dbKey()
	item[attrState] = str(stateClaimed)
	item[attrUntil] = num(until.UnixMilli())
	item[AttrTTL] = num(ttlSeconds(until)) // an abandoned claim is as good as none once the lease ends
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           &s.table,
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(#pk) OR #ttl <= :nows OR (#state = :claimed AND #until <= :nowms)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": AttrPK, "#ttl": AttrTTL, "#state": attrState, "#until": attrUntil,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":nows":    num(now.Unix()),
			":nowms":   num(now.UnixMilli()),
			":claimed": str(stateClaimed),
		},
	})
	if err != nil {
		if !conditionFailed(err) {
			return false, fmt.Errorf("claim %s: %w", r.name, err)
		}
		// Done, or claimed under a live lease: tell them apart, so a caller never mistakes an
		// event still in someone's hands (or in a crashed invocation's) for one already handled.
		out, gerr := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: r.dbKey(), ConsistentRead: aws.Bool(true)})
		if gerr != nil {
			return false, fmt.Errorf("claim %s: read claim: %w", r.name, gerr)
		}
		if st, ok := out.Item[attrState].(*types.AttributeValueMemberS); ok && st.Value == stateDone {
			return false, nil
		}
		return false, fmt.Errorf("claim %s: %w", r.name, ErrClaimed)
	}
	return true, nil
}

// Complete marks t's event eventID done: Claim returns false for it until now+keep (rounded up to
// the second), when the record's TTL passes and the event could be processed again. It does not
// require a claim.
func (s *Store) Complete(ctx context.Context, t tenant.ID, eventID string, keep time.Duration) error {
	r, err := claimRef("complete", t, eventID)
	if err != nil {
		return err
	}
	if keep <= 0 {
		return fmt.Errorf("complete %s: keep %v is not positive", r.name, keep)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.table,
		Key:                      r.dbKey(),
		UpdateExpression:         aws.String("SET #state = :done, #ttl = :ttl REMOVE #until"),
		ExpressionAttributeNames: map[string]string{"#state": attrState, "#ttl": AttrTTL, "#until": attrUntil},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":done": str(stateDone),
			":ttl":  num(ttlSeconds(s.now().Add(keep))),
		},
	})
	if err != nil {
		return fmt.Errorf("complete %s: %w", r.name, err)
	}
	return nil
}

// Release drops a claim on t's event eventID after processing failed, so that a retry can claim it
// at once. It never drops a done record; with nothing claimed it does nothing.
func (s *Store) Release(ctx context.Context, t tenant.ID, eventID string) error {
	r, err := claimRef("release", t, eventID)
	if err != nil {
		return err
	}
	_, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 &s.table,
		Key:                       r.dbKey(),
		ConditionExpression:       aws.String("#state = :claimed"),
		ExpressionAttributeNames:  map[string]string{"#state": attrState},
		ExpressionAttributeValues: map[string]types.AttributeValue{":claimed": str(stateClaimed)},
	})
	if err != nil && !conditionFailed(err) {
		return fmt.Errorf("release %s: %w", r.name, err)
	}
	return nil
}
