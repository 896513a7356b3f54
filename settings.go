package hearth

import (
	"context"
	"time"
)

// PersonSettings is what a person switched on for themselves: the features
// and optional purposes they use and how precisely their location may be
// kept. A person without stored settings has the manifest's defaults
// (DEFAULT-PRIVATE: nothing optional on, and location off where children are
// likely users). IDs are the manifest's feature and purpose IDs; a
// granularity is a manifest granularity name such as "city".
//
// It also holds the rights the person exercised over the use of their data
// (RIGHT-RESTRICT, RIGHT-OBJECT, RIGHT-OBJECT-MKT, RIGHT-ADM); each change of
// those is also a rights request in the log (see RightsRequest). A store
// keeps every field.
type PersonSettings struct {
	PersonID string
	Features []string // feature IDs switched on
	Purposes []string // optional purposes (neither consent nor core) switched on
	// Location is the overall on/off setting of location sharing and the
	// finest precision allowed for any use: "" means off (MIN-LOCATION).
	Location string
	// FeatureLocation is, per feature ID, the precision chosen for that
	// feature; a feature without an entry gets the coarsest it declares.
	FeatureLocation map[string]string

	// RestrictAll restricts the processing of all the person's data: it is
	// kept, and not used for any purpose (RIGHT-RESTRICT).
	RestrictAll bool
	// Restricted lists the purposes whose processing of the person's data
	// is restricted: kept, not used (RIGHT-RESTRICT).
	Restricted []string
	// Objected lists the purposes the person objected to: legitimate
	// interests, public task, profiling, marketing (RIGHT-OBJECT).
	Objected []string
	// ObjectMarketing is the one switch against every marketing and
	// advertising purpose (RIGHT-OBJECT-MKT).
	ObjectMarketing bool
	// ADMOptOut lists the purposes making solely automated decisions the
	// person opted out of (RIGHT-ADM).
	ADMOptOut []string

	Updated time.Time
	// Sealed holds every other field sealed with the person's data key:
	// behind the sealing decorator (package sealstore) a storage adapter
	// receives only PersonID, Updated and Sealed, and keeps Sealed byte for
	// byte. nil outside a storage adapter.
	Sealed []byte
}

// SettingsStore keeps people's settings. Implementations are safe for
// concurrent use.
type SettingsStore interface {
	// Settings returns a person's stored settings, or ENOTFOUND if they
	// never changed any (the manifest's defaults then apply).
	Settings(ctx context.Context, personID string) (*PersonSettings, error)
	// PutSettings stores s, replacing the person's earlier settings. It
	// returns ENOTFOUND if there is no such person.
	PutSettings(ctx context.Context, s *PersonSettings) error
	// ReplaceSettings stores s in place of old, the settings Settings
	// returned for the same person (nil when it returned ENOTFOUND), only
	// if they are still the stored ones: the stored Updated must equal
	// old.Updated, or, for a nil old, no settings may be stored. Otherwise
	// it stores nothing and returns ECONFLICT: another writer (another
	// node) stored or removed the person's settings since old was read;
	// read them again and redo the change. It returns ENOTFOUND if there
	// is no such person. A read-modify-write that sets a later Updated
	// than old's with ReplaceSettings loses no concurrent change made the
	// same way, across processes.
	ReplaceSettings(ctx context.Context, old, s *PersonSettings) error
}
