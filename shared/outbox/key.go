package outbox

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
)

// Where records live. A record is a platform item of kind ShardKind(n), so table partition
// "P#outbox.<nn>", where n is picked by a hash of the event's tenant and subject: the outbox's
// writes spread over Shards partitions as tenants and conversations grow, and all of one subject's
// records share a partition. Its id is
//
//	<tenant>#<subject hash>#<stamp>#<event id>
//
// so a partition holds each subject's records together, in commit order: the stamp is the commit
// time (UTC, fixed width, to the nanosecond), pushed past the newest record of the subject still
// waiting (see Commit). The subject hash is 16 hex digits of FNV-1a 64 of the partition key; two
// subjects that share one would only be ordered together, which costs nothing in correctness.
const (
	// Shards is how many partitions the outbox spreads over. Records are found again by the same
	// hash, so changing it strands the records of the old layout until they are moved.
	Shards = 16
	// kindPrefix is the start of every shard's kind.
	kindPrefix = "outbox."
	// stampLayout formats stamps; fixed width, so ids sort by stamp within a subject.
	stampLayout = "20060102T150405.000000000Z"
)

// ShardKind is the platform item kind of shard n (0 ≤ n < Shards): "outbox.00" … "outbox.15".
func ShardKind(n int) string { return fmt.Sprintf("%s%02d", kindPrefix, n) }

// subject is where one subject's records are: its shard's kind and the id prefix they share.
type subject struct {
	kind   string
	prefix string // "<tenant>#<hash>#"
}

func subjectOf(ev events.Envelope) subject {
	h := fnv.New64a()
	h.Write([]byte(ev.PartitionKey()))
	sum := h.Sum(nil)
	return subject{
		kind:   ShardKind(int(binary.BigEndian.Uint64(sum) % Shards)),
		prefix: ev.Tenant + "#" + hex.EncodeToString(sum) + "#",
	}
}

// key is the record key of ev committed at stamp.
func (s subject) key(stamp time.Time, ev events.Envelope) store.Key {
	return store.Key{Kind: s.kind, ID: s.prefix + stamp.UTC().Format(stampLayout) + "#" + ev.ID}
}

// parseID splits a record id into its subject's prefix and its stamp.
func parseID(id string) (prefix string, stamp time.Time, err error) {
	parts := strings.SplitN(id, "#", 4)
	if len(parts) != 4 {
		return "", time.Time{}, fmt.Errorf("outbox record id %q: want tenant#hash#stamp#event", id)
	}
	stamp, err = time.Parse(stampLayout, parts[2])
	if err != nil {
		return "", time.Time{}, fmt.Errorf("outbox record id %q: stamp: %w", id, err)
	}
	return parts[0] + "#" + parts[1] + "#", stamp, nil
}
