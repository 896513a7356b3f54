package household

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// Reader is a household member who may read a person's data, as
// policy.MayRead decides the reads of household.Readings: why, and which
// categories (every declared one, except for a share, which is per
// category).
type Reader struct {
	PersonID    string        `json:"person_id"`
	DisplayName string        `json:"display_name"`
	Role        hearth.Role   `json:"role"`
	Reason      policy.Reason `json:"-"`
	ReasonCode  string        `json:"reason"`     // policy's code: own_data, child_data, managed_profile or shared
	Categories  []string      `json:"categories"` // the category IDs they may read
}

// Readers lists the members of hhID who may read person's data and which
// categories, asking policy.MayRead with the same parties and shares the
// read path (Readings) uses, for every category the manifest declares.
// Members who may read nothing are left out, and so are profiles without
// an account, which cannot sign in to read; person themselves is listed
// first. Which purposes may then use the data is decided separately, at
// each read (policy.Engine.Read). It says who may read, not who did: no
// log of reads is kept.
//
// Errors: ENOTFOUND if caller or person is not a member of hhID. Whether
// caller may ask about person is for the caller to check first
// (subject.Cache.Authorize), as the per-person routes do.
func (s *Service) Readers(ctx context.Context, caller, hhID, person string) ([]Reader, error) {
	members, err := s.Members(ctx, caller, hhID)
	if err != nil {
		return nil, err
	}
	subject, err := s.subjects.Party(ctx, hhID, person)
	if err != nil {
		return nil, fmt.Errorf("readers: %w", err)
	}
	var self, others []Reader
	for _, m := range members {
		if !m.HasAccount {
			continue
		}
		r, err := s.reader(ctx, hhID, person, subject, m)
		if err != nil {
			return nil, err
		}
		switch {
		case len(r.Categories) == 0:
		case m.PersonID == person:
			self = append(self, r)
		default:
			others = append(others, r)
		}
	}
	return append(self, others...), nil
}

// reader decides which categories of subject's data member m may read.
func (s *Service) reader(ctx context.Context, hhID, person string, subject policy.Party, m MemberView) (Reader, error) {
	r := Reader{PersonID: m.PersonID, DisplayName: m.DisplayName, Role: m.Role, Categories: []string{}}
	actor, err := s.subjects.Party(ctx, hhID, m.PersonID)
	if err != nil {
		return r, fmt.Errorf("readers: %w", err)
	}
	var shared map[string]time.Time
	if m.PersonID != person {
		if shared, err = s.subjects.SharedWith(ctx, person, m.PersonID); err != nil {
			return r, fmt.Errorf("readers: %w", err)
		}
	}
	for _, c := range s.manifest.Categories {
		if d := policy.MayRead(actor, subject, shared[c.ID]); d.Allow {
			r.Categories = append(r.Categories, c.ID)
			r.Reason, r.ReasonCode = d.Reason, d.Reason.Code()
		}
	}
	return r, nil
}
