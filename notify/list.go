package notify

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
)

// MaxLimit is the most notifications one page holds; DefaultLimit is the
// page size when none is asked for.
const (
	MaxLimit     = 100
	DefaultLimit = 20
)

// Page is one page of a person's notifications, newest first. Next is the
// cursor of the following page, "" on the last page.
type Page struct {
	Items []hearth.Notification
	Next  string
}

// List returns a page of personID's notifications, newest first, after
// cursor ("" for the first page), at most limit (0 means DefaultLimit). It
// returns EINVALID for a limit outside 0..MaxLimit or a cursor that is not
// one of the person's notifications.
func (s *Service) List(ctx context.Context, personID, cursor string, limit int) (Page, error) {
	if limit < 0 || limit > MaxLimit {
		return Page{}, hearth.FieldError("limit", "the limit must be between 1 and %d", MaxLimit)
	}
	if limit == 0 {
		limit = DefaultLimit
	}
	ns, err := s.store.Notifications(ctx, personID, cursor, limit)
	if err != nil {
		return Page{}, fmt.Errorf("list notifications: %w", err)
	}
	p := Page{Items: ns}
	if len(ns) == limit {
		p.Next = ns[len(ns)-1].ID
	}
	return p, nil
}

// MarkRead marks one of personID's notifications read. Marking it again
// keeps the first time. It returns ENOTFOUND if the person has no such
// notification.
func (s *Service) MarkRead(ctx context.Context, personID, id string) error {
	if err := s.store.MarkNotificationRead(ctx, personID, id, s.clock()); err != nil {
		return fmt.Errorf("mark notification read: %w", err)
	}
	return nil
}

// ListFor returns a page of the notifications of a profile (a person
// without an account) in householdID, for caller: the household's owner or
// the profile's guardian (CONSENT-MULTIUSER: a profile is told through the
// people who act for it). It returns ENOTFOUND if the caller is not a
// member of the household, or the person is not a profile in it (so no
// household or person is revealed), and EFORBIDDEN for another member.
func (s *Service) ListFor(ctx context.Context, caller, householdID, personID, cursor string, limit int) (Page, error) {
	if err := s.mayRead(ctx, caller, householdID, personID); err != nil {
		return Page{}, err
	}
	return s.List(ctx, personID, cursor, limit)
}

func (s *Service) mayRead(ctx context.Context, caller, householdID, personID string) error {
	c, err := s.store.Member(ctx, householdID, caller)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND || caller == "" {
		return hearth.Errorf(hearth.ENOTFOUND, "no such household")
	} else if err != nil {
		return fmt.Errorf("caller membership: %w", err)
	}
	noProfile := hearth.Errorf(hearth.ENOTFOUND, "no such profile in this household")
	m, err := s.store.Member(ctx, householdID, personID)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return noProfile
	} else if err != nil {
		return fmt.Errorf("profile membership: %w", err)
	}
	p, err := s.store.Person(ctx, personID)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	if p.AccountID != "" {
		return noProfile
	}
	if c.Role != hearth.RoleOwner && m.GuardianID != caller {
		return hearth.Errorf(hearth.EFORBIDDEN, "only the household's owners and the person's guardian may read their notifications")
	}
	return nil
}
