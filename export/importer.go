package export

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/policy"
)

// importBatch is how many readings an import inserts per statement batch.
const importBatch = 500

// Target says where an import restores the person.
type Target struct {
	// Actor is the person importing; "" for the operator on the command
	// line, who is not checked.
	Actor string
	// HouseholdID is the household the person joins; "" recreates the
	// households of the export (operator only).
	HouseholdID string
	// Progress, if set, is told how many readings were sealed so far.
	Progress Progress
}

// ImportResult says what an import did.
type ImportResult struct {
	ExportID    string `json:"export_id"`
	PersonID    string `json:"person_id"`
	HouseholdID string `json:"household_id,omitempty"`
	Readings    int64  `json:"readings"`
	// Expired counts the readings left out because they are already past
	// their category's retention here (RETENTION): they would be erased at
	// once.
	Expired int64 `json:"expired"`
	// Undeclared counts the readings left out because this instance's
	// manifest does not declare their category or their values' fields
	// (MIN-GATE): nothing undeclared is stored, whatever its origin.
	Undeclared      int64     `json:"undeclared"`
	LedgerEntries   int       `json:"ledger_entries"`
	AlreadyImported bool      `json:"already_imported"` // true: this export was imported before and nothing changed
	Imported        time.Time `json:"imported"`
	// Dropped lists settings this instance's manifest does not declare,
	// left out (features and purposes by ID).
	Dropped []string `json:"dropped"`
}

// Import restores the person of archive a (opened by Open) on this
// instance (RIGHT-PORT): the person under their original ID, without an
// account, their memberships, settings, every ledger entry as
// consent-imported evidence carrying the original entry and its hash, and
// every reading not yet past its category's retention here, sealed again
// with this instance's key for the person. It
// is all or nothing, and an export imported before changes nothing
// (AlreadyImported).
//
// Errors: ENOTFOUND when Actor is not a member of HouseholdID; EFORBIDDEN
// unless Actor is an owner of it (policy.MayImport); EINVALID when the
// operator gives no household and the export has none, or when a reading's
// category is not declared in this instance's manifest (MIN-GATE).
func (s *Service) Import(ctx context.Context, a *Archive, t Target) (*ImportResult, error) {
	res := &ImportResult{ExportID: a.Meta.ExportID, PersonID: a.Meta.PersonID, HouseholdID: t.HouseholdID, Dropped: []string{}}
	if err := s.mayImport(ctx, t); err != nil {
		return nil, err
	}
	if at, err := s.cfg.Store.Imported(ctx, a.Meta.ExportID); err == nil {
		res.AlreadyImported, res.Imported = true, at
		return res, nil
	} else if hearth.ErrorCode(err) != hearth.ENOTFOUND {
		return nil, fmt.Errorf("check earlier imports: %w", err)
	}
	for cat := range a.Readings {
		if _, ok := s.cfg.Manifest.Category(cat); !ok {
			return nil, invalid("the export holds readings of category %q, which this instance's privacy manifest does not declare", cat)
		}
	}
	imp, err := s.personImport(a, t, res)
	if err != nil {
		return nil, err
	}
	imp.Readings = func(ctx context.Context, insert func([]hearth.Reading) error) error {
		return s.sealReadings(ctx, a, imp, t, insert, res)
	}
	err = s.cfg.Store.ImportPerson(ctx, imp)
	if hearth.ErrorCode(err) == hearth.ECONFLICT {
		if at, err2 := s.cfg.Store.Imported(ctx, a.Meta.ExportID); err2 == nil {
			return &ImportResult{ExportID: res.ExportID, PersonID: res.PersonID, AlreadyImported: true, Imported: at, Dropped: []string{}}, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if s.cfg.Imported != nil {
		s.cfg.Imported(res.PersonID)
	}
	res.Imported = imp.Imported
	return res, nil
}

// mayImport authorises an import by t.Actor into t.HouseholdID.
func (s *Service) mayImport(ctx context.Context, t Target) error {
	if t.Actor == "" {
		return nil
	}
	m, err := s.member(ctx, t.HouseholdID, t.Actor)
	if err != nil {
		return err
	}
	if m == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "no such household")
	}
	if d := policy.MayImport(policy.PartyOf(*m)); !d.Allow {
		return &hearth.Error{Code: hearth.EFORBIDDEN, Message: d.Reason.String()}
	}
	return nil
}

// personImport builds the store's import of everything but the readings.
func (s *Service) personImport(a *Archive, t Target, res *ImportResult) (*hearth.PersonImport, error) {
	now := s.cfg.Now().UTC().Truncate(time.Millisecond)
	pr := a.Profile.Person
	imp := &hearth.PersonImport{ExportID: a.Meta.ExportID, Imported: now,
		Person: hearth.Person{ID: pr.ID, DisplayName: pr.DisplayName, HouseholdID: pr.HouseholdID, Created: pr.Created},
		Link:   link}
	if t.HouseholdID != "" {
		imp.Person.HouseholdID = t.HouseholdID
		m := hearth.Member{HouseholdID: t.HouseholdID, PersonID: pr.ID, Role: importedRole(a.Profile.Memberships), Added: now}
		if m.Role == hearth.RoleChild {
			if t.Actor == "" {
				return nil, invalid("the export is a child's: import it through the API, as the owner who becomes their guardian")
			}
			m.GuardianID = t.Actor // a child always has a guardian: the owner who imports them (CONSENT-CHILD)
		}
		imp.Members = []hearth.Member{m}
	} else {
		if len(a.Profile.Memberships) == 0 {
			return nil, invalid("the export names no household: give the household to import the person into")
		}
		for _, m := range a.Profile.Memberships {
			imp.Households = append(imp.Households, hearth.Household{ID: m.HouseholdID, Name: m.HouseholdName, Created: m.HouseholdCreated})
			imp.Members = append(imp.Members, hearth.Member{HouseholdID: m.HouseholdID, PersonID: pr.ID,
				Role: hearth.Role(m.Role), GuardianID: m.GuardianID, Added: m.Added})
		}
		if imp.Person.HouseholdID == "" && pr.HasAccount {
			imp.Person.HouseholdID = a.Profile.Memberships[0].HouseholdID
		}
	}
	for _, m := range imp.Members {
		if !m.Role.Valid() {
			return nil, invalid("%s: role %q is not a household role", fileProfile, m.Role)
		}
	}
	if !a.Settings.Defaults {
		imp.Settings = s.importedSettings(a, pr.ID, now, res)
	}
	var err error
	if imp.Entries, err = importedEntries(a, imp.Person.HouseholdID, now); err != nil {
		return nil, err
	}
	res.LedgerEntries = len(imp.Entries)
	return imp, nil
}

// importedRole is the role a person restored into another household gets:
// the role they had, except that an owner joins as an adult (the
// household's owners stay who they are).
func importedRole(ms []MembershipRecord) hearth.Role {
	if len(ms) == 0 {
		return hearth.RoleGuest
	}
	if r := hearth.Role(ms[0].Role); r != hearth.RoleOwner && r.Valid() {
		return r
	}
	return hearth.RoleAdult
}

// importedSettings keeps the settings this instance's manifest declares and
// reports the others in res.Dropped.
func (s *Service) importedSettings(a *Archive, personID string, now time.Time, res *ImportResult) *hearth.PersonSettings {
	m := s.cfg.Manifest
	in := &a.Settings
	st := &hearth.PersonSettings{PersonID: personID, Location: in.Location, FeatureLocation: map[string]string{},
		RestrictAll: in.RestrictAll, ObjectMarketing: in.ObjectMarketing, Updated: now}
	for _, f := range in.Features {
		if _, ok := m.Feature(f); ok {
			st.Features = append(st.Features, f)
		} else {
			res.Dropped = append(res.Dropped, "feature "+f)
		}
	}
	declared := func(field string, ids []string) []string {
		var out []string
		for _, p := range ids {
			if _, ok := m.Purpose(p); ok {
				out = append(out, p)
			} else {
				res.Dropped = append(res.Dropped, field+" "+p)
			}
		}
		return out
	}
	st.Purposes = declared("purpose", in.Purposes)
	st.Restricted = declared("restricted", in.Restricted)
	st.Objected = declared("objected", in.Objected)
	st.ADMOptOut = declared("adm_opt_out", in.ADMOptOut)
	for f, g := range in.FeatureLocation {
		if slices.Contains(st.Features, f) {
			st.FeatureLocation[f] = g
		}
	}
	return st
}

// ImportedDetails is the Details of a consent-imported ledger entry: where
// the entry comes from, and the original entry's fields that the imported
// entry does not carry itself, with its hash.
type ImportedDetails struct {
	Instance     string          `json:"instance"`
	ExportID     string          `json:"export_id"`
	Seq          int64           `json:"original_seq"`
	Time         time.Time       `json:"original_time"`
	Type         string          `json:"original_type"`
	HouseholdID  string          `json:"original_household_id"`
	Details      json.RawMessage `json:"original_details,omitempty"`
	PrevHash     string          `json:"original_prev_hash"`
	OriginalHash string          `json:"original_hash"`
}

// importedEntries turns the exported ledger into consent-imported entries.
func importedEntries(a *Archive, householdID string, now time.Time) ([]hearth.LedgerEntry, error) {
	out := make([]hearth.LedgerEntry, 0, len(a.Ledger))
	for _, rec := range a.Ledger {
		d, err := json.Marshal(ImportedDetails{Instance: a.Meta.Instance, ExportID: a.Meta.ExportID, Seq: rec.Seq,
			Time: rec.Time, Type: rec.Type, HouseholdID: rec.HouseholdID, Details: rec.Details,
			PrevHash: rec.PrevHash, OriginalHash: rec.Hash})
		if err != nil {
			return nil, fmt.Errorf("encode imported entry: %w", err)
		}
		if len(d) > ledger.MaxFieldSize {
			return nil, invalid("%s entry %d is too large to import", fileLedger, rec.Seq)
		}
		out = append(out, hearth.LedgerEntry{Time: now, Type: hearth.EntryConsentImported, Person: rec.Person,
			Purpose: rec.Purpose, HouseholdID: householdID, ManifestVersion: rec.ManifestVersion,
			NoticeVersion: rec.NoticeVersion, Method: hearth.Method(rec.Method), Actor: rec.Actor,
			Statement: rec.Statement, Details: d})
	}
	return out, nil
}

// link chains es onto the ledger head (see hearth.PersonImport.Link).
func link(seq int64, prev []byte, es []hearth.LedgerEntry) {
	for i := range es {
		seq++
		es[i].Seq, es[i].PrevHash = seq, prev
		es[i].Hash = ledger.Hash(&es[i])
		prev = es[i].Hash
	}
}

// sealReadings reads every reading of a, seals it for the person with this
// instance's key and inserts it in batches.
func (s *Service) sealReadings(ctx context.Context, a *Archive, imp *hearth.PersonImport, t Target, insert func([]hearth.Reading) error, res *ImportResult) error {
	batch := make([]hearth.Reading, 0, importBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := insert(batch)
		batch = batch[:0]
		return err
	}
	now := s.cfg.Now()
	err := a.EachReading(func(cat string, rec *ReadingRecord) error {
		if cutoff, ok := s.cfg.Policy.RetentionCutoff(cat, now); ok && rec.Time.Before(cutoff) {
			res.Expired++
			return nil
		}
		if a := s.cfg.Policy.Conforms(cat, rec.Values); !a.Allow {
			res.Undeclared++ // this instance's manifest does not declare it (MIN-GATE)
			return nil
		}
		hh := rec.HouseholdID
		if imp.Person.HouseholdID != "" && len(imp.Households) == 0 {
			hh = imp.Person.HouseholdID // restored into another household
		}
		r := hearth.Reading{DeviceID: rec.DeviceID, HouseholdID: hh, PersonID: imp.Person.ID, Category: cat,
			MsgID: rec.MsgID, Time: rec.Time, Received: rec.Received, Inferred: rec.Inferred, Disputed: rec.Disputed}
		var err error
		if r.Sealed, err = s.cfg.Keys.Seal(ctx, imp.Person.ID, rec.Values, r.AAD()); err != nil {
			return fmt.Errorf("seal imported reading: %w", err)
		}
		batch = append(batch, r)
		res.Readings++
		if len(batch) == importBatch {
			if t.Progress != nil {
				t.Progress(res.Readings)
			}
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}
