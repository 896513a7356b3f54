package hearth

import (
	"context"
	"time"
)

// EntryType is the kind of event a ledger entry records.
type EntryType string

// The consent entry types. The audit log adds its own types later; a
// ledger accepts any non-empty type.
const (
	EntryNoticeShown      EntryType = "notice-shown"      // a privacy notice was shown to the person
	EntryConsentRequested EntryType = "consent-requested" // a consent request was shown
	EntryConsentGiven     EntryType = "consent-given"     // the person (or their guardian) consented
	EntryConsentRefused   EntryType = "consent-refused"   // the person (or their guardian) declined
	EntryConsentWithdrawn EntryType = "consent-withdrawn" // an earlier consent was withdrawn
	EntryConsentExpired   EntryType = "consent-expired"   // an earlier consent lapsed
)

// Method is how a person acted: the interface a ledger event came through.
type Method string

// The consent methods.
const (
	MethodWeb   Method = "web"   // the web pages
	MethodApp   Method = "app"   // a companion app
	MethodVoice Method = "voice" // a voice interface
	MethodAPI   Method = "api"   // the public API, by a third-party client
)

// Valid reports whether m is one of the methods.
func (m Method) Valid() bool {
	switch m {
	case MethodWeb, MethodApp, MethodVoice, MethodAPI:
		return true
	}
	return false
}

// LedgerEntry is one event of the hash-chained, append-only ledger (see
// package ledger, which assigns Seq, Time, PrevHash and Hash and documents
// the hash encoding). Person and Actor are person IDs, never names; Details
// is a compact JSON object or empty, and a store keeps its bytes unchanged.
//
// The ledger is kept in clear (its hash covers every field, and it must
// stay verifiable after a person's key is destroyed), so no field may hold
// personal data: Statement is the manifest's text, the same for everyone,
// and Details holds only IDs, codes, versions and times, never names,
// addresses or free text (see ARCHITECTURE.md, "What is sealed and what
// stays in clear").
type LedgerEntry struct {
	Seq             int64 // 1, 2, 3, ... without gaps
	Time            time.Time
	Type            EntryType
	Person          string // the data subject the event is about
	Purpose         string // a purpose ID from the manifest; "" if none
	HouseholdID     string
	ManifestVersion string
	NoticeVersion   string
	Method          Method
	Actor           string // the person who acted: the subject, or their guardian
	Statement       string // for explicit consent: the statement shown, verbatim
	Details         []byte // a JSON object, or empty
	PrevHash        []byte // the previous entry's Hash; empty for entry 1
	Hash            []byte // SHA-256 over the entry's canonical encoding
}

// LedgerStore keeps the ledger. Implementations are safe for concurrent use
// and keep every field byte for byte (times to the millisecond at least).
type LedgerStore interface {
	// AppendEntries appends es in one transaction: all or none. es[0].Seq
	// must be one more than the last stored entry's (1 for an empty
	// ledger) and es[0].PrevHash the last entry's Hash (empty for entry 1);
	// each later entry continues from the one before it in es. It returns
	// ECONFLICT, storing nothing, if a sequence number is taken or a link
	// does not continue the stored head (another writer appended first),
	// and EINVALID for an empty es. It does not check hashes.
	AppendEntries(ctx context.Context, es []LedgerEntry) error
	// LedgerHead returns the last entry, or ENOTFOUND for an empty ledger.
	LedgerHead(ctx context.Context) (*LedgerEntry, error)
	// LedgerEntries lists the entries with Seq > after, in ascending Seq
	// order, at most limit of them (0 means 100).
	LedgerEntries(ctx context.Context, after int64, limit int) ([]LedgerEntry, error)
	// LedgerEntriesFor lists the entries whose Person is personID, in
	// ascending Seq order.
	LedgerEntriesFor(ctx context.Context, personID string) ([]LedgerEntry, error)
	// LedgerEntriesAbout lists the entries whose Person is personID with
	// Seq > after, in ascending Seq order, at most limit of them (0 means
	// 100): LedgerEntriesFor page by page, for readers that must not hold
	// them all (a person's export).
	LedgerEntriesAbout(ctx context.Context, personID string, after int64, limit int) ([]LedgerEntry, error)
}
