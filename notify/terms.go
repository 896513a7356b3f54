package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
)

// TermsView is the current version of the terms of service, with its
// expected duration (TOS-DURATION) and what changed from the version
// before it.
type TermsView struct {
	Version          string   `json:"version"`
	Effective        string   `json:"effective"`         // YYYY-MM-DD
	ExpectedDuration string   `json:"expected_duration"` // in words, such as "5 years"
	URL              string   `json:"url,omitempty"`
	Text             string   `json:"text,omitempty"`
	Previous         string   `json:"previous,omitempty"` // the version before; "" if none
	Changes          []string `json:"changes"`            // what changed from Previous, in sentences
}

// TermsStatus is a person's position on the terms: the version they
// accepted, which stands until they accept a newer one (TOS-PERMISSION).
type TermsStatus struct {
	Accepted   string    `json:"accepted,omitempty"` // "" if they accepted none
	AcceptedAt time.Time `json:"accepted_at,omitzero"`
	Current    string    `json:"current"`
	// NewerAwaits is true when the current version is not the accepted one.
	NewerAwaits bool `json:"newer_awaits"`
}

// currentTerms returns the view of the current terms of m (the version with
// the latest effective date), or nil if m declares none.
func currentTerms(m *manifest.Manifest) *TermsView {
	cur, prev := -1, -1
	for i, t := range m.Terms {
		if cur < 0 || t.Effective >= m.Terms[cur].Effective {
			cur, prev = i, cur
		} else if prev < 0 || t.Effective >= m.Terms[prev].Effective {
			prev = i
		}
	}
	if cur < 0 {
		return nil
	}
	t := m.Terms[cur]
	v := &TermsView{Version: t.Version, Effective: t.Effective, ExpectedDuration: manifest.HumanPeriod(t.ExpectedDuration),
		URL: t.URL, Text: t.Text, Changes: []string{}}
	if prev >= 0 {
		v.Previous, v.Changes = m.Terms[prev].Version, termsChanges(m.Terms[prev], t)
	}
	return v
}

// termsChanges states what changed from one terms version to the next.
func termsChanges(old, new manifest.TermsVersion) []string {
	out := []string{fmt.Sprintf("Version %s replaces version %s from %s.", new.Version, old.Version, new.Effective)}
	if old.ExpectedDuration != new.ExpectedDuration {
		out = append(out, fmt.Sprintf("They are expected to last %s instead of %s.",
			manifest.HumanPeriod(new.ExpectedDuration), manifest.HumanPeriod(old.ExpectedDuration)))
	}
	if old.Text != new.Text || old.URL != new.URL {
		out = append(out, "The text of the terms changed: read them before you accept.")
	}
	return out
}

func noTerms() error {
	return hearth.Errorf(hearth.ENOTFOUND, "this product declares no terms of service")
}

// Terms returns the current terms. It returns ENOTFOUND if the manifest
// declares none.
func (s *Service) Terms() (TermsView, error) {
	if s.terms == nil {
		return TermsView{}, noTerms()
	}
	return *s.terms, nil
}

// TermsStatus returns personID's accepted version and whether a newer one
// awaits. It returns ENOTFOUND if the manifest declares no terms.
func (s *Service) TermsStatus(ctx context.Context, personID string) (TermsStatus, error) {
	if s.terms == nil {
		return TermsStatus{}, noTerms()
	}
	st := TermsStatus{Current: s.terms.Version, NewerAwaits: true}
	a, err := s.store.AcceptedTerms(ctx, personID)
	switch {
	case hearth.ErrorCode(err) == hearth.ENOTFOUND:
		return st, nil
	case err != nil:
		return st, fmt.Errorf("accepted terms: %w", err)
	}
	st.Accepted, st.AcceptedAt, st.NewerAwaits = a.Version, a.Accepted, a.Version != s.terms.Version
	return st, nil
}

// AcceptTerms records that personID accepts version, which must be the
// current one; accepting it again keeps the first acceptance. It returns
// EINVALID for an empty or undeclared version, ECONFLICT for a version
// that is not the current one, and ENOTFOUND if the manifest declares no
// terms.
func (s *Service) AcceptTerms(ctx context.Context, personID, version string) (TermsStatus, error) {
	if s.terms == nil {
		return TermsStatus{}, noTerms()
	}
	if err := s.acceptable(version); err != nil {
		return TermsStatus{}, err
	}
	err := s.store.AcceptTerms(ctx, &hearth.TermsAcceptance{PersonID: personID, Version: version, Accepted: s.clock()})
	if err != nil {
		return TermsStatus{}, fmt.Errorf("accept terms: %w", err)
	}
	return s.TermsStatus(ctx, personID)
}

// acceptable checks that version is the current terms version.
func (s *Service) acceptable(version string) error {
	if version == "" {
		return hearth.FieldError("version", "give the version of the terms you accept; the current one is %s", s.terms.Version)
	}
	if version == s.terms.Version {
		return nil
	}
	for _, t := range s.m.Terms {
		if t.Version == version {
			return &hearth.Error{Code: hearth.ECONFLICT, Field: "version",
				Message: fmt.Sprintf("version %s is not the current terms; only the current version, %s, can be accepted", version, s.terms.Version)}
		}
	}
	return hearth.FieldError("version", "no such version of the terms; the current one is %s", s.terms.Version)
}
