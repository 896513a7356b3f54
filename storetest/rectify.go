package storetest

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// testRectify covers RectificationStore (RIGHT-RECTIFY): a display name is
// replaced; a reading is re-attributed, marked disputed and given new sealed
// values, its other fields kept; unknown people and readings are ENOTFOUND.
func testRectify(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("DisplayName", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		must(t, "SetDisplayName", s.SetDisplayName(ctx(t), h.profile.ID, "Corrected Name"))
		got, err := s.Person(ctx(t), h.profile.ID)
		must(t, "Person", err)
		want := h.profile
		want.DisplayName = "Corrected Name"
		diff(t, "Person after SetDisplayName", got, &want)
		wantCode(t, "unknown person", s.SetDisplayName(ctx(t), "p_nobody", "X"), hearth.ENOTFOUND)
	})
	t.Run("RewriteReading", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		other := newHome(t, s, "Other", 0)
		dev := h.addDevice(t, 0)
		rs := []hearth.Reading{reading(dev, h.owner.ID, "temp", "m1", time.Minute), reading(dev, "", "temp", "m2", 2*time.Minute)}
		_, err := s.InsertReadings(ctx(t), rs)
		must(t, "InsertReadings", err)
		got, err := s.Reading(ctx(t), h.h.ID, rs[0].ID)
		must(t, "Reading", err)
		diff(t, "Reading", got, &rs[0])
		_, err = s.Reading(ctx(t), other.h.ID, rs[0].ID)
		wantCode(t, "reading of another household", err, hearth.ENOTFOUND)

		tests := []struct {
			name string
			edit func(r *hearth.Reading)
		}{
			{"re-attributed", func(r *hearth.Reading) { r.PersonID, r.Sealed = h.profile.ID, []byte("resealed for profile") }},
			{"disputed", func(r *hearth.Reading) { r.Disputed = true }},
			{"corrected", func(r *hearth.Reading) { r.Sealed = []byte("corrected values") }},
			{"to the household", func(r *hearth.Reading) { r.PersonID, r.Disputed = "", false }},
		}
		want := rs[0]
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.edit(&want)
				must(t, "RewriteReading", s.RewriteReading(ctx(t), &want))
				got, err := s.Reading(ctx(t), h.h.ID, want.ID)
				must(t, "Reading", err)
				diff(t, "Reading after RewriteReading", got, &want)
			})
		}
		got, err = s.Reading(ctx(t), h.h.ID, rs[1].ID)
		must(t, "Reading", err)
		diff(t, "the other reading", got, &rs[1])

		bad := want
		bad.PersonID = "p_nobody"
		wantCode(t, "unknown person", s.RewriteReading(ctx(t), &bad), hearth.ENOTFOUND)
		bad = want
		bad.HouseholdID = other.h.ID
		wantCode(t, "another household's reading", s.RewriteReading(ctx(t), &bad), hearth.ENOTFOUND)
		bad = want
		bad.ID = 1 << 40
		wantCode(t, "unknown reading", s.RewriteReading(ctx(t), &bad), hearth.ENOTFOUND)
	})
}
