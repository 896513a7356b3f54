package subject

import (
	"context"
	"sync"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// settingsMu serialises every read-modify-write of settings (UpdateRights,
// PutSettings, SetFeature), so that two changes at once cannot lose one: a
// feature switched while a restriction is stored must not undo it.
var settingsMu sync.Mutex

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
func (c *Cache) UpdateRights(ctx context.Context, person string, change func(*hearth.PersonSettings) error) (hearth.PersonSettings, error) {
	return c.update(ctx, person, func(st *hearth.PersonSettings) (bool, error) { return true, change(st) })
}

// update applies change to person's current settings under settingsMu and
// stores them (dropping their cached Subjects) if change reports a change
// and no error.
func (c *Cache) update(ctx context.Context, person string, change func(*hearth.PersonSettings) (bool, error)) (hearth.PersonSettings, error) {
	settingsMu.Lock()
	defer settingsMu.Unlock()
	st, err := c.current(ctx, person)
	if err != nil {
		return hearth.PersonSettings{}, err
	}
	changed, err := change(&st)
	if err != nil || !changed {
		return st, err
	}
	return c.store(ctx, person, st)
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
