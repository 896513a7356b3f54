package hearth

import (
	"context"
	"time"
)

// MaxReadingSize is the largest reading payload accepted, in bytes, over
// MQTT or HTTP. Larger payloads are refused with ETOOLARGE.
const MaxReadingSize = 16 << 10

// Reading is one datum from a device, attributed to a person or, when no
// person is identified, to the household. Its values are sealed with the
// subject's data key; the store never sees them in the clear.
type Reading struct {
	ID          int64 // assigned by the store; increases with insertion order
	DeviceID    string
	HouseholdID string
	PersonID    string // "" when the reading belongs to the household
	Category    string // a data category declared in the manifest
	MsgID       string // the device's message ID; unique per device
	Time        time.Time
	Received    time.Time
	Inferred    bool   // an inference (a statistically informed guess), not an observation
	Disputed    bool   // the person contests its accuracy (RIGHT-RECTIFY)
	Sealed      []byte // the sealed values; see package seal
}

// Subject returns the ID whose data key seals the reading: the person, or
// the household when no person is identified.
func (r *Reading) Subject() string {
	if r.PersonID != "" {
		return r.PersonID
	}
	return r.HouseholdID
}

// ReadingFilter selects readings of one household. Zero fields select
// everything; readings come in ascending ID order after the cursor.
type ReadingFilter struct {
	HouseholdID string
	DeviceID    string
	PersonID    string // "-" selects readings that belong to the household only
	Category    string
	From, To    time.Time // Time in [From, To)
	After       int64     // cursor: only readings with ID > After
	Limit       int       // at most this many; 0 means 100
}

// Insertion says what InsertReadings did with one reading.
type Insertion uint8

// What InsertReadings does with a reading.
const (
	// Duplicate: a resend of a reading stored already; skipped.
	Duplicate Insertion = iota
	// Stored: newly stored.
	Stored
	// Unbound: not stored, because when the batch was committed the
	// reading's device was not bound to the reading's household or was in
	// local-only mode (after a transfer, a reset, a removal or a switch to
	// local-only mode; OWN-CLEAN).
	Unbound
)

// String returns "duplicate", "stored" or "unbound".
func (i Insertion) String() string {
	switch i {
	case Stored:
		return "stored"
	case Unbound:
		return "unbound"
	}
	return "duplicate"
}

// ReadingStore keeps sealed readings.
type ReadingStore interface {
	// InsertReadings stores a batch in one durable transaction (committed and
	// synced to disk before it returns). A reading whose (DeviceID, MsgID) is
	// stored already is skipped (Duplicate). A reading of a device the store
	// knows that is, inside that transaction, not bound to the reading's
	// HouseholdID or not in cloud mode is not stored (Unbound), so a reading
	// sent before its device changed hands can land in neither household
	// (OWN-CLEAN). It reports, for each reading, what it did, and fills in
	// the IDs of those stored.
	InsertReadings(ctx context.Context, rs []Reading) ([]Insertion, error)
	// Readings lists readings matching f.
	Readings(ctx context.Context, f ReadingFilter) ([]Reading, error)
}

// WrappedKey is a subject's data key, wrapped (encrypted) by the
// key-encryption key KEKID.
type WrappedKey struct {
	ID      string // key ID, carried in every ciphertext it seals
	Subject string // person or household ID
	KEKID   string
	Wrapped []byte
	Created time.Time
}

// KeyStore keeps wrapped data keys, apart from the data they seal, so that
// restoring an old data backup cannot bring an erased subject back.
type KeyStore interface {
	// PutKey stores a wrapped key; ECONFLICT if the subject has a key already.
	PutKey(ctx context.Context, k *WrappedKey) error
	// Key returns the subject's current key, or ENOTFOUND.
	Key(ctx context.Context, subject string) (*WrappedKey, error)
	// KeyByID returns a key by its ID, or ENOTFOUND.
	KeyByID(ctx context.Context, id string) (*WrappedKey, error)
	// DeleteKey destroys the subject's keys (crypto-shredding).
	DeleteKey(ctx context.Context, subject string) error
}

// Store is everything a storage adapter provides.
type Store interface {
	AccountStore
	HouseholdStore
	DeviceStore
	ReadingStore
	KeyStore
	KEKInventory
	LedgerStore
	SettingsStore
	ChangeStore
	ExportStore
	ImportStore
	ErasureStores
	LifecycleStore
	DeviceLifecycleStore
	RightsRequestStore
	RectificationStore
	FirmwareStore
	MFAStore
	AuthCeremonyStore
	OAuthStore
	AuditStore
	PrivacyBudgetStore
	// Close flushes and closes the store.
	Close() error
}

// AAD returns the additional authenticated data that binds a reading's sealed
// values to its row: the device, message ID, category and subject. Moving a
// ciphertext to another row makes it fail to open.
func (r *Reading) AAD() []byte {
	b := make([]byte, 0, len(r.DeviceID)+len(r.MsgID)+len(r.Category)+len(r.Subject())+3)
	b = append(b, r.DeviceID...)
	b = append(b, 0)
	b = append(b, r.MsgID...)
	b = append(b, 0)
	b = append(b, r.Category...)
	b = append(b, 0)
	b = append(b, r.Subject()...)
	return b
}
