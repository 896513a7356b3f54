package subject_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/hearth-iot/hearth"
)

// TestUpdateRightsNotLost: restrictions stored while features are switched
// at the same time are all kept, and each applies to the person's Subject at
// once (RIGHT-RESTRICT).
func TestUpdateRightsNotLost(t *testing.T) {
	e := newEnv(t)
	purposes := []string{"heating-control", "weather-compensation", "energy-insights", "device-security"}
	var wg sync.WaitGroup
	wg.Go(func() {
		for _, p := range purposes {
			if _, err := e.cache.UpdateRights(e.ctx, e.owner, func(st *hearth.PersonSettings) error {
				st.Restricted = append(st.Restricted, p)
				return nil
			}); err != nil {
				t.Errorf("UpdateRights: %v", err)
			}
		}
	})
	wg.Go(func() {
		for i := range 20 {
			if _, err := e.cache.SetFeature(e.ctx, e.owner, e.hh, e.owner, "energy-insights", i%2 == 0); err != nil {
				t.Errorf("SetFeature: %v", err)
			}
		}
	})
	wg.Wait()
	st, err := e.cache.StoredSettings(e.ctx, e.owner)
	if err != nil {
		t.Fatalf("StoredSettings: %v", err)
	}
	for _, p := range purposes {
		if !slices.Contains(st.Restricted, p) {
			t.Errorf("restricted = %v, want %s kept", st.Restricted, p)
		}
	}
	s, err := e.cache.Person(e.ctx, e.hh, e.owner)
	if err != nil {
		t.Fatalf("Person: %v", err)
	}
	if d := e.eng.Active(&s, "heating-control"); d.Allow {
		t.Errorf("heating-control active after restricting it")
	}
}
