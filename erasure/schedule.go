package erasure

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
)

// Schedules lists the periodic deletions person chose, by category
// (RETENTION). Errors as for Erase.
func (s *Service) Schedules(ctx context.Context, actor, hh, person string) ([]hearth.DeletionSchedule, error) {
	if _, _, _, err := s.authorize(ctx, actor, hh, person); err != nil {
		return nil, err
	}
	ds, err := s.cfg.Store.DeletionSchedules(ctx, person)
	if err != nil {
		return nil, fmt.Errorf("list deletion schedules: %w", err)
	}
	if ds == nil {
		ds = []hearth.DeletionSchedule{}
	}
	return ds, nil
}

// SetSchedule sets person's periodic deletion of a category: "weekly",
// "monthly" or "yearly" keeps only that much, and "off" keeps readings for
// the category's retention period. The scheduler applies it on its next
// pass. Errors as for Erase, and EINVALID for an undeclared category
// (field "category") or an unknown period (field "period").
func (s *Service) SetSchedule(ctx context.Context, actor, hh, person, category, period string) error {
	if _, _, _, err := s.authorize(ctx, actor, hh, person); err != nil {
		return err
	}
	if _, ok := s.cfg.Manifest.Category(category); !ok {
		return hearth.FieldError("category", "not a data category declared in the product's privacy manifest")
	}
	if period == "off" {
		if err := s.cfg.Store.DeleteDeletionSchedule(ctx, person, category); err != nil {
			return fmt.Errorf("remove deletion schedule: %w", err)
		}
		return nil
	}
	p := hearth.DeletionPeriod(period)
	if !p.Valid() {
		return hearth.FieldError("period", "choose weekly, monthly, yearly or off")
	}
	d := &hearth.DeletionSchedule{PersonID: person, Category: category, Period: p, Updated: s.now()}
	if err := s.cfg.Store.PutDeletionSchedule(ctx, d); err != nil {
		return fmt.Errorf("set deletion schedule: %w", err)
	}
	return nil
}
