package ingest

import "testing"

// invalidations records the people whose cached subjects were dropped.
type invalidations struct {
	Subjects
	dropped []string
}

func (i *invalidations) Invalidate(personID string) { i.dropped = append(i.dropped, personID) }

// TestMembershipChangedForgets: an ended membership drops the person's
// cached subject at once, not after its TTL (SEC-AUTHZ).
func TestMembershipChangedForgets(t *testing.T) {
	subjects := &invalidations{}
	s := &Service{subjects: subjects}
	s.MembershipChanged("hh_1", "per_1")
	if len(subjects.dropped) != 1 || subjects.dropped[0] != "per_1" {
		t.Errorf("dropped = %v, want [per_1]", subjects.dropped)
	}
	s.MembershipChanged("", "per_2") // every household of the person
	if len(subjects.dropped) != 2 || subjects.dropped[1] != "per_2" {
		t.Errorf("dropped = %v, want [per_1 per_2]", subjects.dropped)
	}
}
