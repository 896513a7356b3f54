package hearth

import "context"

// RectificationStore corrects stored personal data (RIGHT-RECTIFY): a
// person's display name, and a reading's person, values or disputed flag.
// A correction overwrites: the store keeps no copy of the old value.
// Implementations are safe for concurrent use.
type RectificationStore interface {
	// SetDisplayName replaces a person's display name. It returns
	// ENOTFOUND if there is no such person.
	SetDisplayName(ctx context.Context, personID, name string) error
	// Reading returns the reading with that ID in household householdID,
	// or ENOTFOUND.
	Reading(ctx context.Context, householdID string, id int64) (*Reading, error)
	// RewriteReading replaces the PersonID, Disputed and Sealed fields of
	// the stored reading r.ID of household r.HouseholdID, in one
	// transaction; its other fields stay. It returns ENOTFOUND if there is
	// no such reading, or if r.PersonID is not "" and not a person.
	RewriteReading(ctx context.Context, r *Reading) error
}
