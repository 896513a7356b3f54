package subject_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/sqlite"
	"github.com/hearth-iot/hearth/subject"
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

// racingStore stands for the store as one node sees it while another node
// writes: before runs (once) when a ReplaceSettings call arrives, before
// the call reaches the store; with conflict set every call is ECONFLICT.
type racingStore struct {
	*sqlite.DB
	before   func()
	conflict bool
	calls    int
}

// ReplaceSettings counts the call, lets the other node write first once,
// and then refuses or passes the call on.
func (s *racingStore) ReplaceSettings(ctx context.Context, old, st *hearth.PersonSettings) error {
	s.calls++
	if b := s.before; b != nil {
		s.before = nil
		b()
	}
	if s.conflict {
		return &hearth.Error{Code: hearth.ECONFLICT, Message: "changed meanwhile"}
	}
	return s.DB.ReplaceSettings(ctx, old, st)
}

// RIGHT-RESTRICT across nodes: when node B stores a restriction between
// node A's read and write of the same settings, A's write is refused by
// the store and A redoes its feature switch on B's settings, keeping both;
// both when no settings were stored yet and when some were. The two nodes'
// clocks stand still, so each write must still move Updated on.
func TestUpdateRedoneAfterAnotherNodeWrote(t *testing.T) {
	e := newEnv(t)
	m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	clock := func() time.Time { return e.now }
	nodeB := e.cache
	store := &racingStore{DB: e.db}
	nodeA, err := subject.New(subject.Config{Store: store, Manifest: m, Policy: e.eng, Now: clock})
	if err != nil {
		t.Fatalf("cache A: %v", err)
	}
	for _, tt := range []struct {
		name    string
		feature string
		field   func(st *hearth.PersonSettings) *bool
	}{
		{"none stored", "energy-insights", func(st *hearth.PersonSettings) *bool { return &st.RestrictAll }},
		{"some stored", "weather-compensation", func(st *hearth.PersonSettings) *bool { return &st.ObjectMarketing }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			store.calls = 0
			store.before = func() {
				if _, err := nodeB.UpdateRights(e.ctx, e.owner, func(st *hearth.PersonSettings) error {
					*tt.field(st) = true
					return nil
				}); err != nil {
					t.Errorf("UpdateRights on node B: %v", err)
				}
			}
			if _, err := nodeA.SetFeature(e.ctx, e.owner, e.hh, e.owner, tt.feature, true); err != nil {
				t.Fatalf("SetFeature on node A: %v", err)
			}
			st, err := nodeB.StoredSettings(e.ctx, e.owner)
			if err != nil {
				t.Fatalf("StoredSettings: %v", err)
			}
			if !*tt.field(&st) || !slices.Contains(st.Features, tt.feature) {
				t.Errorf("stored %+v; want node B's right and node A's feature %s both kept", st, tt.feature)
			}
			if store.calls != 2 {
				t.Errorf("node A stored %d times, want 2 (refused once, then redone)", store.calls)
			}
		})
	}
}

// A node whose every write is refused (others keep writing first) gives up
// after a bounded number of attempts with ECONFLICT, storing nothing.
func TestUpdateGivesUpWithConflict(t *testing.T) {
	e := newEnv(t)
	m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	store := &racingStore{DB: e.db, conflict: true}
	c, err := subject.New(subject.Config{Store: store, Manifest: m, Policy: e.eng})
	if err != nil {
		t.Fatalf("cache: %v", err)
	}
	_, err = c.SetFeature(e.ctx, e.owner, e.hh, e.owner, "energy-insights", true)
	if hearth.ErrorCode(err) != hearth.ECONFLICT {
		t.Fatalf("SetFeature refused every time: %v, want ECONFLICT", err)
	}
	if store.calls < 2 || store.calls > 100 {
		t.Errorf("tried %d times, want a few (bounded)", store.calls)
	}
	if _, err := e.db.Settings(e.ctx, e.owner); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("Settings after the refusals: %v, want ENOTFOUND (nothing stored)", err)
	}
}
