package storetest

import (
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
}
