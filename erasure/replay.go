package erasure

import (
	"context"
	"fmt"
)

const journalPage = 100

// Replay re-applies every entry of the erasure journal (kept with the keys,
// not with the data), so that a data backup restored after an erasure
// cannot bring erased readings, settings or closed accounts back: call it
// at start, before serving. Readings, settings and notifications stored
// after an erasure are kept. It returns how many readings it deleted.
func (s *Service) Replay(ctx context.Context) (int64, error) {
	var total int64
	var after int64
	for {
		es, err := s.cfg.Store.Erasures(ctx, after, journalPage)
		if err != nil {
			return total, fmt.Errorf("replay erasures: %w", err)
		}
		for i := range es {
			res, err := s.execute(ctx, &es[i], false)
			total += res.Readings
			if err != nil {
				return total, fmt.Errorf("replay erasure %d: %w", es[i].Seq, err)
			}
		}
		if len(es) < journalPage {
			break
		}
		after = es[len(es)-1].Seq
	}
	if total > 0 {
		s.checkpoint(ctx)
	}
	return total, nil
}
