package household

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
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
	Values   json.RawMessage `json:"values"`
}

// Readings lists the readings of household f.HouseholdID matching f,
// opening their values, and returns the cursor for the next page (0 when
// this is the last). Owners and adults see the household's readings;
// children and guests see only readings about themselves. A non-member gets
// ENOTFOUND. f.Limit defaults to DefaultReadingLimit; above
// MaxReadingLimit gives EINVALID (Field "limit").
func (s *Service) Readings(ctx context.Context, caller string, f hearth.ReadingFilter) ([]ReadingView, int64, error) {
	m, err := s.member(ctx, caller, f.HouseholdID)
	if err != nil {
		return nil, 0, err
	}
	if f.Limit < 0 || f.Limit > MaxReadingLimit {
		return nil, 0, hearth.FieldError("limit", "the limit must be between 1 and %d", MaxReadingLimit)
	}
	if f.Limit == 0 {
		f.Limit = DefaultReadingLimit
	}
	if m.Role == hearth.RoleChild || m.Role == hearth.RoleGuest {
		if f.PersonID != "" && f.PersonID != caller {
			return nil, 0, nil
		}
		f.PersonID = caller
	}
	rs, err := s.store.Readings(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("list readings: %w", err)
	}
	out, err := s.open(ctx, rs)
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(rs) == f.Limit {
		next = rs[len(rs)-1].ID
	}
	return out, next, nil
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
			Time: r.Time, Received: r.Received, Inferred: r.Inferred, Values: values})
	}
	return out, nil
}
