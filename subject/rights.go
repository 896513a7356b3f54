package subject

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// StoredSettings returns person's settings, the stored ones or the
// manifest's defaults, without authorising anyone: the caller has checked
// who may see them (package rights does, with policy.MayExerciseRights).
func (c *Cache) StoredSettings(ctx context.Context, person string) (hearth.PersonSettings, error) {
	return c.current(ctx, person)
}

// UpdateRights applies change to person's settings, stores them and drops
// their cached Subjects, so the next reading and the next read about them
// are decided under the new state (RIGHT-RESTRICT, RIGHT-OBJECT,
// RIGHT-OBJECT-MKT, RIGHT-ADM). It does not authorise: the caller has. If
// change returns an error, nothing is stored and that error is returned.
// change may run more than once: when another node stores the person's
// settings between the read and the write, they are read again and change
// is applied to them, so it must only change the settings it is given.
func (c *Cache) UpdateRights(ctx context.Context, person string, change func(*hearth.PersonSettings) error) (hearth.PersonSettings, error) {
	return c.update(ctx, person, func(st *hearth.PersonSettings) (bool, error) { return true, change(st) })
}

// updateAttempts bounds how many times update reads, changes and tries to
// store a person's settings when other writers keep storing theirs first.
const updateAttempts = 16

// update applies change to person's current settings and stores them
// (dropping their cached Subjects) if change reports a change and no error.
// The read-modify-write is atomic across every process (node) sharing the
// store: the store replaces the settings only if nobody stored others since
// they were read (hearth.SettingsStore.ReplaceSettings), and otherwise they
// are read again and change applied again, up to updateAttempts times, so a
// feature switched on one node cannot undo a restriction stored on another
// (RIGHT-RESTRICT). change may therefore run more than once: it must only
// change the settings it is given. After the last attempt the ECONFLICT is
// returned.
func (c *Cache) update(ctx context.Context, person string, change func(*hearth.PersonSettings) (bool, error)) (hearth.PersonSettings, error) {
	for attempt := 1; ; attempt++ {
		old, err := c.settings(ctx, person)
		if err != nil {
			return hearth.PersonSettings{}, err
		}
		st := c.DefaultSettings(person)
		if old != nil {
			st = *old
		}
		changed, err := change(&st)
		if err != nil || !changed {
			return st, err
		}
		st.PersonID, st.Updated = person, c.cfg.Now().UTC()
		if old != nil && !st.Updated.After(old.Updated) {
			// Updated is what the next writer compares: it must move on
			// even when the clock did not (or is behind another node's).
			st.Updated = old.Updated.Add(time.Nanosecond)
		}
		err = c.cfg.Store.ReplaceSettings(ctx, old, &st)
		if err == nil {
			c.Invalidate(person)
			return st, nil
		}
		if hearth.ErrorCode(err) != hearth.ECONFLICT || attempt == updateAttempts {
			return hearth.PersonSettings{}, fmt.Errorf("store settings: %w", err)
		}
		if err := pause(ctx, attempt); err != nil {
			return hearth.PersonSettings{}, err
		}
	}
}

// pause waits a short random time that grows with attempt (up to about
// 16 ms), so that writers racing for one person's settings spread out, or
// returns ctx's error.
func pause(ctx context.Context, attempt int) error {
	t := time.NewTimer(time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 4))))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("store settings: %w", ctx.Err())
	case <-t.C:
		return nil
	}
}

// keepRights copies the rights exercised from cur into st: a settings
// change does not touch them.
func keepRights(st, cur *hearth.PersonSettings) {
	st.RestrictAll, st.Restricted, st.Objected = cur.RestrictAll, cur.Restricted, cur.Objected
	st.ObjectMarketing, st.ADMOptOut = cur.ObjectMarketing, cur.ADMOptOut
}

// purposeBits returns the bits of the purposes in ids; IDs no longer in the
// manifest are ignored.
func (c *Cache) purposeBits(ids []string) policy.Bits {
	var b policy.Bits
	for _, id := range ids {
		if p, err := c.cfg.Policy.PurposeBits(id); err == nil {
			b = b.Union(p)
		}
	}
	return b
}
