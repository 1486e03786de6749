package voicecfg

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"time"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Store kinds. Tenant items live under the tenant's partition (store.Key); the two platform
// mappings (KindNumber and KindAccount under the platform, "P#voice.number" / "P#voice.account")
// tell which tenant a dialled number or a softphone username belongs to.
const (
	// KindNumber: tenant item, id the E.164 number → NumberRecord; platform item, same id → Owner.
	KindNumber = "voice.number"
	// KindTrunk: tenant item, id the trunk's name → TrunkRecord.
	KindTrunk = "voice.trunk"
	// KindAccount: tenant item, id the username → AccountRecord; platform item, same id → Owner.
	KindAccount = "voice.account"
	// KindTransfer: tenant item, id the queue → TransferRecord.
	KindTransfer = "voice.transfer"
	// KindRegistration: tenant item, id RegistrationID(username, contact) → RegistrationRecord,
	// with the store TTL at its Expires.
	KindRegistration = "voice.reg"
	// KindRefs: tenant item, id RefsID(what, name) → Refs: how many numbers name a trunk, or how
	// many transfer targets name an account. A trunk or an account has one from its creation to
	// its deletion; writes that add or drop a reference change it in the same transaction, and a
	// delete needs it at zero, so a trunk a number names (or an account a target names) cannot go.
	KindRefs = "voice.refs"
)

// NumberKey is a number's key: the tenant's item, and the platform mapping to its tenant.
func NumberKey(e164 string) store.Key { return store.Key{Kind: KindNumber, ID: e164} }

// TrunkKey is a trunk's key within its tenant.
func TrunkKey(name string) store.Key { return store.Key{Kind: KindTrunk, ID: name} }

// AccountKey is a softphone account's key: the tenant's item, and the platform mapping to its
// tenant.
func AccountKey(username string) store.Key { return store.Key{Kind: KindAccount, ID: username} }

// TransferKey is a queue's transfer target's key within its tenant.
func TransferKey(queue string) store.Key { return store.Key{Kind: KindTransfer, ID: queue} }

// Referenced things (RefsKey).
const (
	RefTrunk   = "trunk"
	RefAccount = "account"
)

// RefsKey is the key of the reference count of the trunk or account (what: RefTrunk, RefAccount)
// named name.
func RefsKey(what, name string) store.Key { return store.Key{Kind: KindRefs, ID: what + "/" + name} }

// Refs is a reference count (KindRefs).
type Refs struct {
	N int64 `dynamodbav:"n"`
}

// RefsField is Refs' counter field, for store.AddOp.
const RefsField = "n"

// RegistrationID is a registration's id: the username, "/", and a hash of the contact, so one
// account's registrations share the prefix username+"/" and each contact has one item.
func RegistrationID(username, contact string) string {
	sum := sha256.Sum256([]byte(contact))
	return username + "/" + hex.EncodeToString(sum[:16])
}

// Owner is a platform mapping's value: the tenant a number or a username belongs to.
type Owner struct {
	Tenant string `dynamodbav:"tenant"`
}

// NumberRecord is a tenant's number item.
type NumberRecord struct {
	E164      string    `dynamodbav:"e164"`
	Language  string    `dynamodbav:"language"`
	Trunks    []string  `dynamodbav:"trunks"`
	UpdatedAt time.Time `dynamodbav:"updated_at"`
}

// TrunkRecord is a tenant's trunk item. HA1 is the only form of the password ever stored.
type TrunkRecord struct {
	Name      string    `dynamodbav:"name"`
	CIDRs     []string  `dynamodbav:"cidrs"`
	Transport string    `dynamodbav:"transport"`
	SRTP      bool      `dynamodbav:"srtp"`
	Username  string    `dynamodbav:"username"`
	HA1       string    `dynamodbav:"ha1"`
	UpdatedAt time.Time `dynamodbav:"updated_at"`
}

// AccountRecord is a tenant's softphone account item.
type AccountRecord struct {
	Username  string    `dynamodbav:"username"`
	HA1       string    `dynamodbav:"ha1"`
	UpdatedAt time.Time `dynamodbav:"updated_at"`
}

// TransferRecord is a tenant's transfer-target item.
type TransferRecord struct {
	Queue     string    `dynamodbav:"queue"`
	Target    string    `dynamodbav:"target"`
	UpdatedAt time.Time `dynamodbav:"updated_at"`
}

// RegistrationRecord is a registration item.
type RegistrationRecord struct {
	Username string    `dynamodbav:"username"`
	Contact  string    `dynamodbav:"contact"`
	Expires  time.Time `dynamodbav:"expires"`
	Edge     string    `dynamodbav:"edge"`
}

// Number returns r as the edge sees it.
func (r NumberRecord) Number(t tenant.ID) Number {
	return Number{Tenant: t, E164: r.E164, Language: r.Language, Trunks: r.Trunks}
}

// Trunk returns r as the edge sees it. Prefixes that do not parse (none are stored so) are left out.
func (r TrunkRecord) Trunk(t tenant.ID) Trunk {
	tr := Trunk{Tenant: t, Name: r.Name, Username: r.Username, HA1: r.HA1, Transport: r.Transport, SRTP: r.SRTP}
	for _, s := range r.CIDRs {
		if p, err := netip.ParsePrefix(s); err == nil {
			tr.CIDRs = append(tr.CIDRs, p)
		}
	}
	return tr
}

// Registration returns r as the edge sees it.
func (r RegistrationRecord) Registration(t tenant.ID) Registration {
	return Registration{Tenant: t, Username: r.Username, Contact: r.Contact, Expires: r.Expires, Edge: r.Edge}
}
