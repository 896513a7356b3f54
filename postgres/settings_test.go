package postgres_test

import (
	"crypto/rand"
	"slices"
	"sync"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/seal"
	"github.com/hearth-iot/hearth/sealstore"
	"github.com/hearth-iot/hearth/subject"
)

// RIGHT-RESTRICT: two nodes (two subject caches over two sealing stores on
// the same databases, as two Hearth processes have them) change one
// person's settings at the same moment, round after round: node A
// switches a feature, node B restricts or lifts the restriction of all
// their data. After every round both changes are stored: a feature
// switched on one node never undoes a restriction stored on the other, nor
// the other way round.
func TestSettingsTwoNodesLoseNoChange(t *testing.T) {
	_, dbs := openNodes(t, 2, 0)
	hh, person := storeHome(t, dbs[0])
	m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	eng, err := policy.Compile(m)
	if err != nil {
		t.Fatalf("compile manifest: %v", err)
	}
	kek := make([]byte, 32)
	rand.Read(kek)
	var nodes []*subject.Cache
	for _, db := range dbs {
		k, err := seal.NewKEK(kek)
		if err != nil {
			t.Fatalf("NewKEK: %v", err)
		}
		c, err := subject.New(subject.Config{Store: sealstore.New(db, seal.NewKeyring(k, db)), Manifest: m, Policy: eng})
		if err != nil {
			t.Fatalf("subject cache: %v", err)
		}
		nodes = append(nodes, c)
	}
	const feature, rounds = "energy-insights", 150
	for i := range rounds {
		on := i%2 == 0
		start := make(chan struct{})
		var wg sync.WaitGroup
		var errA, errB error
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			_, errA = nodes[0].SetFeature(t.Context(), person, hh, person, feature, on)
		}()
		go func() {
			defer wg.Done()
			<-start
			_, errB = nodes[1].UpdateRights(t.Context(), person, func(st *hearth.PersonSettings) error {
				st.RestrictAll = on
				return nil
			})
		}()
		close(start)
		wg.Wait()
		if errA != nil || errB != nil {
			t.Fatalf("round %d: SetFeature on node A: %v; UpdateRights on node B: %v", i, errA, errB)
		}
		for n, c := range nodes {
			st, err := c.StoredSettings(t.Context(), person)
			if err != nil {
				t.Fatalf("round %d: StoredSettings on node %d: %v", i, n, err)
			}
			if slices.Contains(st.Features, feature) != on || st.RestrictAll != on {
				t.Fatalf("round %d: node %d reads feature on %v, restricted %v; want both %v (a change was lost)",
					i, n, slices.Contains(st.Features, feature), st.RestrictAll, on)
			}
		}
	}
}
