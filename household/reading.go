package household

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// Reading list limits.
const (
	DefaultReadingLimit = 100
	MaxReadingLimit     = 1000
)

// ReadingView is a reading as shown to a member, with its values opened.
type ReadingView struct {
	ID       int64           `json:"id"`
	DeviceID string          `json:"device_id"`
	PersonID string          `json:"person_id,omitempty"` // "" when the reading belongs to the household
	Category string          `json:"category"`
	Time     time.Time       `json:"time"`
	Received time.Time       `json:"received"`
	Inferred bool            `json:"inferred"`
	Disputed bool            `json:"disputed,omitempty"` // its accuracy is contested (RIGHT-RECTIFY)
	Values   json.RawMessage `json:"values"`
}

// ReadingPage is one page of a reading list read for a purpose.
type ReadingPage struct {
	Readings []ReadingView
	// Next is the cursor of the next page, 0 on the last. A page may hold
	// fewer readings than the limit when some were withheld.
	Next int64
	// Withheld counts, by policy reason code (such as "no_consent"), the
	// readings of this page the purpose may not use.
	Withheld map[string]int
}

// Readings lists the readings of household f.HouseholdID matching f that
// caller may read for purpose, opening their values. Every reading is
// decided twice by policy: policy.MayRead decides whether caller may read
// data about its subject at all (SEC-AUTHZ, RIGHT-ACCESS-OTHERS: their own,
// the household's for adults and owners, their child's for a guardian, a
// profile without an account for the owners, and another person's only
// where that person shared the category with them); then
// policy.Engine.Read decides whether purpose may use it for its subject.
// Readings caller may not read are left out without a trace; readings the
// purpose may not use are left out and counted in Withheld by reason.
//
// Errors: ENOTFOUND for a non-member; EINVALID with Field "purpose" for a
// missing or undeclared purpose, and Field "limit" for a limit above
// MaxReadingLimit (f.Limit defaults to DefaultReadingLimit).
func (s *Service) Readings(ctx context.Context, caller, purpose string, f hearth.ReadingFilter) (ReadingPage, error) {
	if _, err := s.member(ctx, caller, f.HouseholdID); err != nil {
		return ReadingPage{}, err
	}
	if err := s.checkPurpose(purpose); err != nil {
		return ReadingPage{}, err
	}
	if f.Limit < 0 || f.Limit > MaxReadingLimit {
		return ReadingPage{}, hearth.FieldError("limit", "the limit must be between 1 and %d", MaxReadingLimit)
	}
	if f.Limit == 0 {
		f.Limit = DefaultReadingLimit
	}
	page := ReadingPage{Readings: []ReadingView{}, Withheld: map[string]int{}}
	rs, err := s.store.Readings(ctx, f)
	if err != nil {
		return ReadingPage{}, fmt.Errorf("list readings: %w", err)
	}
	visible, err := s.mayRead(ctx, caller, f.HouseholdID, rs)
	if err != nil {
		return ReadingPage{}, err
	}
	allowed, err := s.decideReads(ctx, purpose, visible, page.Withheld)
	if err != nil {
		return ReadingPage{}, err
	}
	if page.Readings, err = s.open(ctx, allowed); err != nil {
		return ReadingPage{}, err
	}
	if len(rs) == f.Limit {
		page.Next = rs[len(rs)-1].ID
	}
	return page, nil
}

// checkPurpose returns EINVALID unless purpose is declared.
func (s *Service) checkPurpose(purpose string) error {
	if purpose == "" {
		return hearth.FieldError("purpose", "name the purpose of the read: one of the product's purposes")
	}
	if _, ok := s.policy.PurposeIndex(purpose); !ok {
		return hearth.FieldError("purpose", "not a purpose declared in the product's privacy manifest")
	}
	return nil
}

// readSubject is what decides caller's reads of one subject's readings:
// the subject as a party, and the categories they shared with caller,
// with when each was granted.
type readSubject struct {
	party  policy.Party
	known  bool // a member of the household, or the household itself
	shared map[string]time.Time
}

// mayRead returns the readings of rs that policy.MayRead lets caller read,
// looking up each subject once.
func (s *Service) mayRead(ctx context.Context, caller, hh string, rs []hearth.Reading) ([]hearth.Reading, error) {
	actor, err := s.subjects.Party(ctx, hh, caller)
	if err != nil {
		return nil, fmt.Errorf("reader: %w", err)
	}
	subjects := map[string]*readSubject{}
	out := rs[:0:0]
	for i := range rs {
		rsub, ok := subjects[rs[i].PersonID]
		if !ok {
			if rsub, err = s.readSubject(ctx, caller, hh, rs[i].PersonID); err != nil {
				return nil, err
			}
			subjects[rs[i].PersonID] = rsub
		}
		if rsub.known && policy.MayRead(actor, rsub.party, rsub.shared[rs[i].Category]).Allow {
			out = append(out, rs[i])
		}
	}
	return out, nil
}

// readSubject looks up person (or the household, for "") as the subject of
// caller's reads; a person no longer a member is read by nobody here.
func (s *Service) readSubject(ctx context.Context, caller, hh, person string) (*readSubject, error) {
	p, err := s.subjects.Party(ctx, hh, person)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return &readSubject{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("reading subject: %w", err)
	}
	rsub := &readSubject{party: p, known: true}
	if person != "" && person != caller {
		if rsub.shared, err = s.subjects.SharedWith(ctx, person, caller); err != nil {
			return nil, fmt.Errorf("reading subject: %w", err)
		}
	}
	return rsub, nil
}

// decideReads returns the readings of rs that policy lets purpose read,
// counting the others in withheld by reason code.
func (s *Service) decideReads(ctx context.Context, purpose string, rs []hearth.Reading, withheld map[string]int) ([]hearth.Reading, error) {
	now := s.clock()
	out := rs[:0:0]
	for i := range rs {
		subj, err := s.subjects.ForReading(ctx, &rs[i])
		if err != nil {
			return nil, fmt.Errorf("decide read: %w", err)
		}
		if d := s.policy.Read(&subj, purpose, rs[i].Category, now); !d.Allow {
			withheld[d.Reason.Code()]++
			continue
		}
		out = append(out, rs[i])
	}
	return out, nil
}

func (s *Service) open(ctx context.Context, rs []hearth.Reading) ([]ReadingView, error) {
	out := make([]ReadingView, 0, len(rs))
	for i := range rs {
		r := &rs[i]
		values, err := s.opener.Open(ctx, r.Sealed, r.AAD())
		if err != nil {
			return nil, fmt.Errorf("open reading %d: %w", r.ID, err)
		}
		out = append(out, ReadingView{ID: r.ID, DeviceID: r.DeviceID, PersonID: r.PersonID, Category: r.Category,
			Time: r.Time, Received: r.Received, Inferred: r.Inferred, Disputed: r.Disputed, Values: values})
	}
	return out, nil
}
