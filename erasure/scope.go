package erasure

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
)

// Scope is what an erasure removes: everything about the person, or their
// readings narrowed by category, device and time range (all given ones
// apply; none given means all their readings).
type Scope struct {
	Everything bool      `json:"everything"`
	Category   string    `json:"category,omitempty"`
	DeviceID   string    `json:"device_id,omitempty"`
	From       time.Time `json:"from,omitzero"` // readings whose time is at or after From
	To         time.Time `json:"to,omitzero"`   // readings whose time is before To
}

// check validates the scope against the manifest and household hh:
// EINVALID with the field at fault. A device must be one of hh's; with hh
// "" (a person erasing their own data without a household) one that
// readings about person came from, even if it has been removed since.
func (s *Service) check(ctx context.Context, hh, person string, sc Scope) error {
	if sc.Everything && (sc.Category != "" || sc.DeviceID != "" || !sc.From.IsZero() || !sc.To.IsZero()) {
		return hearth.FieldError("everything", "erasing everything takes no category, device or time range")
	}
	if sc.Category != "" {
		if _, ok := s.cfg.Manifest.Category(sc.Category); !ok {
			return hearth.FieldError("category", "not a data category declared in the product's privacy manifest")
		}
	}
	if !sc.From.IsZero() && !sc.To.IsZero() && !sc.From.Before(sc.To) {
		return hearth.FieldError("to", "must be after from")
	}
	if sc.DeviceID == "" {
		return nil
	}
	if hh == "" { // without a household: a device readings about the person came from
		n, err := s.cfg.Store.CountReadings(ctx, hearth.ErasureFilter{PersonID: person, DeviceID: sc.DeviceID})
		if err != nil {
			return fmt.Errorf("erasure: %w", err)
		}
		if n == 0 {
			return hearth.FieldError("device_id", "no reading about you came from this device")
		}
		return nil
	}
	d, err := s.cfg.Store.Device(ctx, sc.DeviceID)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND || err == nil && d.HouseholdID != hh {
		return hearth.FieldError("device_id", "no such device in the household")
	}
	if err != nil {
		return fmt.Errorf("erasure: %w", err)
	}
	return nil
}

// filter returns the readings filter of a person's erasure.
func filter(person string, sc Scope) hearth.ErasureFilter {
	return hearth.ErasureFilter{PersonID: person, Category: sc.Category, DeviceID: sc.DeviceID, From: sc.From, To: sc.To}
}

// RecipientView is a recipient an erasure tells, as shown to the person.
type RecipientView struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Categories []string `json:"categories"` // the erased categories it receives
	Configured bool     `json:"configured"` // false: no endpoint is configured, the operator must tell it
}

// recipients returns the manifest's recipients that receive data the scope
// erases, with the categories concerned.
func (s *Service) recipients(sc Scope) []RecipientView {
	out := []RecipientView{}
	for _, r := range s.cfg.Manifest.Recipients {
		cats := r.Categories
		if sc.Category != "" {
			cats = nil
			for _, c := range r.Categories {
				if c == sc.Category {
					cats = []string{c}
				}
			}
		}
		if len(cats) == 0 {
			continue
		}
		out = append(out, RecipientView{ID: r.ID, Name: r.Name, Categories: cats, Configured: s.notifier.Configured(r.ID)})
	}
	return out
}
