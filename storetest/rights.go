package storetest

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// rightsRequest returns an unsaved, received request of the given type about
// personID, created at offset d from base, with a deadline a month later.
func rightsRequest(h *home, personID string, typ hearth.RequestType, d time.Duration) hearth.RightsRequest {
	return hearth.RightsRequest{
		ID: hearth.NewID("rr_"), PersonID: personID, HouseholdID: h.h.ID, Type: typ,
		Scope: "purpose:tips", RequestedBy: h.owner.ID, IdentityCheck: hearth.CheckReauthenticated,
		Status: hearth.StatusReceived, Created: at(d), Deadline: at(d).AddDate(0, 1, 0),
	}
}

// testRights covers RightsRequestStore (RIGHT-REQUESTS): requests are kept
// with every field, listed per person newest first, updated until closed,
// and open ones listed by deadline for the operators.
func testRights(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("CreateAndGet", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		r := rightsRequest(h, h.profile.ID, hearth.RequestErasure, time.Minute)
		r.IdentityCheck = hearth.CheckOwner
		r.Statement = []byte("sealed:\x00\xff statement") // kept byte for byte
		must(t, "CreateRightsRequest", s.CreateRightsRequest(ctx(t), &r))
		got, err := s.RightsRequest(ctx(t), r.ID)
		must(t, "RightsRequest", err)
		diff(t, "RightsRequest", got, &r)
		wantCode(t, "same ID again", s.CreateRightsRequest(ctx(t), &r), hearth.ECONFLICT)
		_, err = s.RightsRequest(ctx(t), "rr_missing")
		wantCode(t, "unknown ID", err, hearth.ENOTFOUND)
		bad := rightsRequest(h, "p_nobody", hearth.RequestAccess, 0)
		wantCode(t, "unknown person", s.CreateRightsRequest(ctx(t), &bad), hearth.ENOTFOUND)
	})
	t.Run("UpdateUntilClosed", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		r := rightsRequest(h, h.owner.ID, hearth.RequestAccess, 0)
		must(t, "CreateRightsRequest", s.CreateRightsRequest(ctx(t), &r))
		steps := []struct {
			name     string
			status   hearth.RequestStatus
			outcome  string
			wantCode string
		}{
			{"in progress", hearth.StatusInProgress, "export being prepared", ""},
			{"done", hearth.StatusDone, "export ready", ""},
			{"closed stays closed", hearth.StatusRefused, "too late", hearth.ECONFLICT},
		}
		want := r
		for i, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				u := want
				u.Status, u.Outcome = st.status, st.outcome
				if !st.status.Open() {
					u.Completed = at(time.Duration(i+1) * time.Hour)
				}
				err := s.UpdateRightsRequest(ctx(t), &u)
				wantCode(t, "UpdateRightsRequest", err, st.wantCode)
				if err == nil {
					want = u
				}
				got, err := s.RightsRequest(ctx(t), r.ID)
				must(t, "RightsRequest", err)
				diff(t, "RightsRequest after update", got, &want)
			})
		}
		missing := rightsRequest(h, h.owner.ID, hearth.RequestAccess, 0)
		wantCode(t, "update unknown ID", s.UpdateRightsRequest(ctx(t), &missing), hearth.ENOTFOUND)
	})
	t.Run("ListsPerPersonAndOpenByDeadline", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		other := newHome(t, s, "Other", 0)
		late := rightsRequest(h, h.owner.ID, hearth.RequestAccess, 3*time.Hour)
		early := rightsRequest(h, h.owner.ID, hearth.RequestRestriction, time.Hour)
		closed := rightsRequest(h, h.owner.ID, hearth.RequestObjection, 0)
		closed.Status, closed.Completed, closed.Outcome = hearth.StatusDone, at(time.Minute), "objection recorded"
		mid := rightsRequest(other, other.profile.ID, hearth.RequestADMReview, 2*time.Hour)
		mid.Deadline = at(2 * time.Hour).Add(24 * time.Hour) // sooner than a month: a shorter deadline sorts first
		for _, r := range []*hearth.RightsRequest{&late, &early, &closed, &mid} {
			must(t, "CreateRightsRequest", s.CreateRightsRequest(ctx(t), r))
		}
		got, err := s.RightsRequestsOf(ctx(t), h.owner.ID)
		must(t, "RightsRequestsOf", err)
		diff(t, "owner's requests, newest first", got, []hearth.RightsRequest{late, early, closed})
		got, err = s.RightsRequestsOf(ctx(t), h.profile.ID)
		must(t, "RightsRequestsOf", err)
		diff(t, "a person without requests", got, []hearth.RightsRequest(nil))
		got, err = s.OpenRightsRequests(ctx(t), 0)
		must(t, "OpenRightsRequests", err)
		diff(t, "open requests by deadline", got, []hearth.RightsRequest{mid, early, late})
		got, err = s.OpenRightsRequests(ctx(t), 2)
		must(t, "OpenRightsRequests(2)", err)
		diff(t, "open requests, limited", got, []hearth.RightsRequest{mid, early})
		_, err = s.OpenRightsRequests(ctx(t), -1)
		wantCode(t, "negative limit", err, hearth.EINVALID)
	})
}
