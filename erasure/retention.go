package erasure

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// RetentionInterval is how often the server runs the retention scheduler.
const RetentionInterval = time.Hour

const schedulePage = 500

// RetentionPass erases, once, at the clock's now, every reading past its
// category's retention period in the manifest (policy.RetentionCutoff), and
// every reading of a category past the periodic deletion its person chose
// (policy.DeletionCutoff) (RETENTION). It returns how many readings it
// erased. It also erases the records of refused second factors older than
// policy.SecurityRecordRetention (SEC-MONITOR).
func (s *Service) RetentionPass(ctx context.Context) (int64, error) {
	return s.retentionPass(ctx, s.now())
}

// retentionPass is RetentionPass as if the clock read now.
func (s *Service) retentionPass(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, c := range s.cfg.Manifest.Categories {
		cutoff, ok := s.policy.RetentionCutoff(c.ID, now)
		if !ok {
			continue
		}
		n, err := s.deleteAll(ctx, hearth.ErasureFilter{Category: c.ID, To: cutoff})
		total += n
		if err != nil {
			return total, fmt.Errorf("retention of %s: %w", c.ID, err)
		}
	}
	n, err := s.periodic(ctx, now)
	total += n
	if err != nil {
		return total, err
	}
	if _, err := s.cfg.Store.DeleteSecondFactorRefusals(ctx, policy.SecurityRecordCutoff(now)); err != nil {
		return total, fmt.Errorf("retention of refused second factors: %w", err)
	}
	if total > 0 {
		s.checkpoint(ctx)
	}
	return total, nil
}

// periodic applies every person's periodic deletion choices.
func (s *Service) periodic(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	afterP, afterC := "", ""
	for {
		ss, err := s.cfg.Store.EveryDeletionSchedule(ctx, afterP, afterC, schedulePage)
		if err != nil {
			return total, fmt.Errorf("periodic deletion: %w", err)
		}
		for _, d := range ss {
			cutoff, ok := policy.DeletionCutoff(d.Period, now)
			if !ok {
				continue
			}
			n, err := s.deleteAll(ctx, hearth.ErasureFilter{PersonID: d.PersonID, Category: d.Category, To: cutoff})
			total += n
			if err != nil {
				return total, fmt.Errorf("periodic deletion: %w", err)
			}
		}
		if len(ss) < schedulePage {
			return total, nil
		}
		afterP, afterC = ss[len(ss)-1].PersonID, ss[len(ss)-1].Category
	}
}

// RunRetention runs a retention pass at once and then every interval until
// ctx ends, each erasing what RetentionPass would erase one interval later,
// so that nothing outlives its retention between passes. Errors are logged
// and the next pass tries again.
func (s *Service) RunRetention(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		// Each pass erases what would pass its retention before the
		// next one, so nothing is kept longer than the manifest states.
		n, err := s.retentionPass(ctx, s.now().Add(interval))
		switch {
		case err != nil && ctx.Err() == nil:
			s.cfg.Logger.Error("retention pass", "erased", n, "err", err)
		case n > 0:
			s.cfg.Logger.Info("retention pass", "erased", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
