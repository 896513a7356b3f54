package hearth

// The share entry types of the ledger: a person shares one category of
// their data with another member of their household, or revokes the share
// (RIGHT-ACCESS-OTHERS). Details hold {"category": ..., "with": person ID}.
const (
	EntryShareGranted EntryType = "share-granted" // a person shared a category with another member
	EntryShareRevoked EntryType = "share-revoked" // a share was revoked
)
