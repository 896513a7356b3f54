package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// testSettings covers SettingsStore. DEFAULT-PRIVATE: a person without
// stored settings is ENOTFOUND, so the manifest's defaults apply;
// MIN-LOCATION: the location choices are kept as given.
func testSettings(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("NotFoundUntilPut", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		_, err := s.Settings(ctx(t), h.owner.ID)
		wantCode(t, "Settings before PutSettings", err, hearth.ENOTFOUND)
	})
	t.Run("PutReplaces", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		tests := []struct {
			name string
			in   hearth.PersonSettings
		}{
			{"everything", hearth.PersonSettings{PersonID: h.owner.ID, Features: []string{"maps", "health"},
				Purposes: []string{"tips"}, Location: "city", FeatureLocation: map[string]string{"maps": "street"}, Updated: at(time.Minute)}},
			// RIGHT-RESTRICT, RIGHT-OBJECT, RIGHT-OBJECT-MKT, RIGHT-ADM: the rights exercised are kept too.
			{"rights exercised", hearth.PersonSettings{PersonID: h.owner.ID, Features: []string{"maps"}, RestrictAll: true,
				Restricted: []string{"tips", "maps"}, Objected: []string{"security"}, ObjectMarketing: true,
				ADMOptOut: []string{"scoring"}, Updated: at(90 * time.Second)}},
			{"all off", hearth.PersonSettings{PersonID: h.owner.ID, Updated: at(2 * time.Minute)}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				must(t, "PutSettings", s.PutSettings(ctx(t), &tt.in))
				got, err := s.Settings(ctx(t), h.owner.ID)
				must(t, "Settings", err)
				diff(t, "Settings", got, &tt.in)
			})
		}
		_, err := s.Settings(ctx(t), h.profile.ID)
		wantCode(t, "another person's Settings", err, hearth.ENOTFOUND)
	})
	t.Run("UnknownPersonNotFound", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		err := s.PutSettings(ctx(t), &hearth.PersonSettings{PersonID: "p_nobody", Updated: at(0)})
		wantCode(t, "PutSettings for an unknown person", err, hearth.ENOTFOUND)
	})
	// RIGHT-RESTRICT: ReplaceSettings stores only over the settings the
	// writer read, so a change made in between (on another node) is never
	// overwritten unseen.
	t.Run("ReplaceOnlyOverWhatWasRead", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		first := hearth.PersonSettings{PersonID: h.owner.ID, Features: []string{"maps"}, Location: "city", Updated: at(time.Minute)}
		wantCode(t, "ReplaceSettings of an unknown person", s.ReplaceSettings(ctx(t), nil,
			&hearth.PersonSettings{PersonID: "p_nobody", Updated: at(0)}), hearth.ENOTFOUND)
		wantCode(t, "ReplaceSettings of an unknown person over settings", s.ReplaceSettings(ctx(t),
			&hearth.PersonSettings{PersonID: "p_nobody", Updated: at(0)}, &hearth.PersonSettings{PersonID: "p_nobody", Updated: at(time.Second)}), hearth.ENOTFOUND)
		wantCode(t, "ReplaceSettings over settings never stored", s.ReplaceSettings(ctx(t),
			&hearth.PersonSettings{PersonID: h.owner.ID, Updated: at(0)}, &first), hearth.ECONFLICT)
		_, err := s.Settings(ctx(t), h.owner.ID)
		wantCode(t, "Settings after a refused ReplaceSettings", err, hearth.ENOTFOUND)

		must(t, "ReplaceSettings over none", s.ReplaceSettings(ctx(t), nil, &first))
		read, err := s.Settings(ctx(t), h.owner.ID)
		must(t, "Settings", err)
		diff(t, "Settings after ReplaceSettings over none", read, &first)
		late := hearth.PersonSettings{PersonID: h.owner.ID, Features: []string{"health"}, Updated: at(2 * time.Minute)}
		wantCode(t, "ReplaceSettings over none when some are stored", s.ReplaceSettings(ctx(t), nil, &late), hearth.ECONFLICT)

		second := hearth.PersonSettings{PersonID: h.owner.ID, Features: []string{"maps"}, RestrictAll: true,
			Restricted: []string{"tips"}, Location: "city", Updated: at(2 * time.Minute)}
		must(t, "ReplaceSettings over what was read", s.ReplaceSettings(ctx(t), read, &second))
		wantCode(t, "ReplaceSettings over what was read before that", s.ReplaceSettings(ctx(t), read,
			&hearth.PersonSettings{PersonID: h.owner.ID, Features: []string{"health"}, Updated: at(3 * time.Minute)}), hearth.ECONFLICT)
		got, err := s.Settings(ctx(t), h.owner.ID)
		must(t, "Settings", err)
		diff(t, "Settings after a refused ReplaceSettings", got, &second)

		// PutSettings (import, another writer) moves the settings on too.
		put := hearth.PersonSettings{PersonID: h.owner.ID, Objected: []string{"security"}, Updated: at(4 * time.Minute)}
		must(t, "PutSettings", s.PutSettings(ctx(t), &put))
		wantCode(t, "ReplaceSettings over settings PutSettings replaced", s.ReplaceSettings(ctx(t), got,
			&hearth.PersonSettings{PersonID: h.owner.ID, Updated: at(5 * time.Minute)}), hearth.ECONFLICT)
		got, err = s.Settings(ctx(t), h.owner.ID)
		must(t, "Settings", err)
		diff(t, "Settings after PutSettings", got, &put)
		_, err = s.Settings(ctx(t), h.profile.ID)
		wantCode(t, "another person's Settings", err, hearth.ENOTFOUND)
	})
	// RIGHT-RESTRICT: writers changing one person's settings at once, each
	// reading and replacing again on ECONFLICT, lose no change.
	t.Run("ConcurrentReadModifyWrite", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		const writers, changes = 6, 8
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range changes {
					if err := appendFeature(t, s, h.owner.ID, fmt.Sprintf("f%d-%d", w, i)); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		got, err := s.Settings(ctx(t), h.owner.ID)
		must(t, "Settings", err)
		var want []string
		for w := range writers {
			for i := range changes {
				want = append(want, fmt.Sprintf("f%d-%d", w, i))
			}
		}
		slices.Sort(want)
		slices.Sort(got.Features)
		diff(t, "features after concurrent changes", got.Features, want)
	})
}

// appendFeature adds feature to person's settings with ReplaceSettings,
// reading them again after every ECONFLICT (up to 1,000 times).
func appendFeature(t *testing.T, s hearth.Store, person, feature string) error {
	for range 1000 {
		old, err := s.Settings(ctx(t), person)
		if hearth.ErrorCode(err) == hearth.ENOTFOUND {
			old, err = nil, nil
		}
		if err != nil {
			return fmt.Errorf("read settings: %w", err)
		}
		st := hearth.PersonSettings{PersonID: person, Updated: at(time.Second)}
		if old != nil {
			st = *old
			st.Features = slices.Clone(old.Features)
			st.Updated = old.Updated.Add(time.Second)
		}
		st.Sealed = nil
		st.Features = append(st.Features, feature)
		err = s.ReplaceSettings(ctx(t), old, &st)
		if hearth.ErrorCode(err) != hearth.ECONFLICT {
			return err
		}
	}
	return fmt.Errorf("ReplaceSettings of %s: ECONFLICT 1,000 times", feature)
}
