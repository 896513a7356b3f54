package consent

import (
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/hearth-iot/hearth"
)

// importedOriginal is the part of a consent-imported entry's Details that
// names the original entry (see export.ImportedDetails).
type importedOriginal struct {
	Time time.Time `json:"original_time"`
	Type string    `json:"original_type"`
	Hash string    `json:"original_hash"`
}

// original returns, for a consent-imported ledger entry (RIGHT-PORT), the
// entry as the exporting instance recorded it: its type, time and hash,
// with the fields the imported entry carries unchanged. Other entries come
// back as they are. A consent-imported entry whose Details cannot be read
// comes back with its own type, which no fold counts.
func original(e hearth.LedgerEntry) hearth.LedgerEntry {
	if e.Type != hearth.EntryConsentImported {
		return e
	}
	var o importedOriginal
	if json.Unmarshal(e.Details, &o) != nil {
		return e
	}
	h, err := hex.DecodeString(o.Hash)
	if err != nil {
		return e
	}
	e.Type, e.Time, e.Hash = hearth.EntryType(o.Type), o.Time, h
	return e
}
