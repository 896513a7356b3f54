package ingest

import (
	"testing"
	"time"
)

// TestMembershipChangedForgets: a remembered membership is dropped at once,
// with the clock standing still, not after its TTL (SEC-AUTHZ).
func TestMembershipChangedForgets(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	s := &Service{members: newMemberCache(func() time.Time { return now })}
	s.members.add("hh_1", "per_1")
	s.members.add("hh_1", "per_2")
	s.MembershipChanged("hh_1", "per_1")
	if s.members.has("hh_1", "per_1") {
		t.Error("the ended membership is still remembered")
	}
	if !s.members.has("hh_1", "per_2") {
		t.Error("another membership was forgotten")
	}
	s.members.add("hh_2", "per_2")
	s.MembershipChanged("", "per_2") // every household of the person
	if s.members.has("hh_1", "per_2") || s.members.has("hh_2", "per_2") {
		t.Error("a membership of the person is still remembered after forgetting them everywhere")
	}
}
