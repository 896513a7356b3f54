package hearth

import (
	"context"
	"time"
)

// EntryConsentImported is the ledger entry type of a consent event restored
// from another instance's export (RIGHT-PORT): kept as evidence, its Details
// carry the original entry, with its hash, as the other instance chained it.
const EntryConsentImported EntryType = "consent-imported"

// PersonImport is a person's data restored from an export (RIGHT-PORT).
// ImportStore.ImportPerson applies it in one transaction: all or nothing.
type PersonImport struct {
	ExportID   string      // the export's ID: an export is imported once
	Person     Person      // created unless a person with its ID exists
	Households []Household // created unless they exist
	Members    []Member    // added unless the person is a member already
	Settings   *PersonSettings
	// Entries are appended to the ledger after its head; Link sets their
	// Seq, PrevHash and Hash, given the head's sequence number and hash (0
	// and nil for an empty ledger).
	Entries []LedgerEntry
	Link    func(headSeq int64, headHash []byte, es []LedgerEntry)
	// Readings calls insert with batches of sealed readings; readings whose
	// (DeviceID, MsgID) is stored already are skipped. Its error aborts the
	// import.
	Readings func(ctx context.Context, insert func([]Reading) error) error
	Imported time.Time
}

// ImportStore restores people from exports.
type ImportStore interface {
	// ImportPerson applies imp in one transaction and records its ExportID.
	// It returns ECONFLICT, changing nothing, if that export was imported
	// already; any other error changes nothing either.
	ImportPerson(ctx context.Context, imp *PersonImport) error
	// Imported returns when the export was imported, or ENOTFOUND.
	Imported(ctx context.Context, exportID string) (time.Time, error)
}
