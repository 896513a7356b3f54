package rights_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/rights"
	"github.com/hearth-iot/hearth/seal"
	"github.com/hearth-iot/hearth/sqlite"
	"github.com/hearth-iot/hearth/subject"
)

const password = "correct horse battery staple"

// env is a household on real SQLite: an owner and an adult with accounts,
// a child whose guardian is the adult, a guest profile without an account,
// and a stranger in another household.
type env struct {
	svc                                 *rights.Service
	db                                  *sqlite.DB
	cache                               *subject.Cache
	keys                                *seal.Keyring
	now                                 time.Time
	hh, owner, adult, kid, guest, other string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{db: db, now: time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return e.now }
	a := auth.NewService(auth.Config{Store: db, Now: clock})
	m, err := manifest.Parse(examples.FitnessTrackerName, examples.FitnessTracker)
	if err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	eng, err := policy.Compile(m)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	if e.cache, err = subject.New(subject.Config{Store: db, Manifest: m, Policy: eng, Now: clock}); err != nil {
		t.Fatalf("subject cache: %v", err)
	}
	kek, err := seal.NewKEK(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatalf("new kek: %v", err)
	}
	e.keys = seal.NewKeyring(kek, db)
	if e.svc, err = rights.NewService(rights.Config{Store: db, Auth: a, Now: clock, Subjects: e.cache, Policy: eng, Manifest: m, Keys: e.keys}); err != nil {
		t.Fatalf("NewService: %v", err)
	}
	signUp := func(name string) string {
		_, p, err := a.SignUp(t.Context(), name+"@example.org", password, name)
		if err != nil {
			t.Fatalf("SignUp: %v", err)
		}
		return p.ID
	}
	e.owner, e.adult, e.other = signUp("owner"), signUp("adult"), signUp("other")
	e.hh = hearth.NewID("hh_")
	must(t, db.CreateHousehold(t.Context(), &hearth.Household{ID: e.hh, Name: "Home", Created: e.now},
		&hearth.Member{HouseholdID: e.hh, PersonID: e.owner, Role: hearth.RoleOwner, Added: e.now}))
	must(t, db.AddMember(t.Context(), &hearth.Member{HouseholdID: e.hh, PersonID: e.adult, Role: hearth.RoleAdult, Added: e.now}))
	otherHH := hearth.NewID("hh_")
	must(t, db.CreateHousehold(t.Context(), &hearth.Household{ID: otherHH, Name: "Other", Created: e.now},
		&hearth.Member{HouseholdID: otherHH, PersonID: e.other, Role: hearth.RoleOwner, Added: e.now}))
	profile := func(role hearth.Role, guardian string) string {
		p := &hearth.Person{ID: hearth.NewID("per_"), HouseholdID: e.hh, DisplayName: "P", Created: e.now}
		must(t, db.CreatePerson(t.Context(), p, &hearth.Member{HouseholdID: e.hh, PersonID: p.ID, Role: role, GuardianID: guardian, Added: e.now}))
		return p.ID
	}
	e.kid, e.guest = profile(hearth.RoleChild, e.adult), profile(hearth.RoleGuest, "")
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestOpen: a request records its type, who acted, the identity check and a
// deadline one calendar month out; only the person, a child's guardian or
// the owner for a profile without an account may open one, after
// re-entering their password (RIGHT-REQUESTS, RIGHT-UNREGISTERED).
func TestOpen(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name          string
		actor, person string
		typ           hearth.RequestType
		password      string
		wantCode      string
		wantCheck     hearth.IdentityCheck
	}{
		{"self", e.adult, e.adult, hearth.RequestAccess, password, "", hearth.CheckReauthenticated},
		{"guardian for child", e.adult, e.kid, hearth.RequestErasure, password, "", hearth.CheckGuardian},
		{"owner for profile", e.owner, e.guest, hearth.RequestAccess, password, "", hearth.CheckOwner},
		{"owner for another adult", e.owner, e.adult, hearth.RequestErasure, password, hearth.EFORBIDDEN, ""},
		{"owner for a child not theirs", e.owner, e.kid, hearth.RequestErasure, password, hearth.EFORBIDDEN, ""},
		{"wrong password", e.adult, e.adult, hearth.RequestAccess, "not my password at all", hearth.EFORBIDDEN, ""},
		{"stranger", e.other, e.adult, hearth.RequestAccess, password, hearth.ENOTFOUND, ""},
		{"unknown type", e.adult, e.adult, "complaint", password, hearth.EINVALID, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := e.svc.Open(t.Context(), rights.Opening{Actor: tt.actor, HouseholdID: e.hh, PersonID: tt.person,
				Type: tt.typ, Scope: "category:occupancy", Password: tt.password})
			if got := hearth.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("Open: code %q (%v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				return
			}
			if r.IdentityCheck != tt.wantCheck || r.RequestedBy != tt.actor || r.Status != hearth.StatusReceived || r.Type != tt.typ {
				t.Errorf("Open = %+v, want check %q by %s, received", r, tt.wantCheck, tt.actor)
			}
			if want := time.Date(2026, 2, 28, 9, 0, 0, 0, time.UTC); !r.Deadline.Equal(want) {
				t.Errorf("Deadline = %v, want %v (one calendar month after 31 January)", r.Deadline, want)
			}
			stored, err := e.db.RightsRequest(t.Context(), r.ID)
			must(t, err)
			if stored.IdentityCheck != tt.wantCheck || stored.Scope != "category:occupancy" {
				t.Errorf("stored %+v, want the check and scope kept", stored)
			}
		})
	}
	rs, err := e.db.RightsRequestsOf(t.Context(), e.adult)
	must(t, err)
	if len(rs) != 1 {
		t.Errorf("adult has %d requests, want 1: refused openings record nothing", len(rs))
	}
}

// TestProgress: the person follows their request from received to done;
// a closed request stays closed; operators see open requests by deadline
// (RIGHT-REQUESTS).
func TestProgress(t *testing.T) {
	e := newEnv(t)
	open := func(actor, person string, typ hearth.RequestType) *hearth.RightsRequest {
		t.Helper()
		r, err := e.svc.Open(t.Context(), rights.Opening{Actor: actor, HouseholdID: e.hh, PersonID: person, Type: typ, Password: password})
		must(t, err)
		return r
	}
	first := open(e.adult, e.adult, hearth.RequestADMReview)
	e.now = e.now.Add(24 * time.Hour)
	second := open(e.owner, e.guest, hearth.RequestAccess)
	if _, err := e.svc.Update(t.Context(), first.ID, "a reviewer was assigned"); err != nil {
		t.Fatalf("Update: %v", err)
	}
	q, err := e.svc.Queue(t.Context(), 0)
	must(t, err)
	if len(q) != 2 || q[0].ID != first.ID || q[1].ID != second.ID || q[0].Status != hearth.StatusInProgress {
		t.Fatalf("Queue = %+v, want first (in progress) then second", q)
	}
	if _, err := e.svc.Complete(t.Context(), first.ID, hearth.StatusInProgress, "x"); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("Complete as in-progress: %v, want EINVALID", err)
	}
	if _, err := e.svc.Complete(t.Context(), first.ID, hearth.StatusDone, ""); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("Complete without an outcome: %v, want EINVALID", err)
	}
	e.now = e.now.Add(time.Hour)
	done, err := e.svc.Complete(t.Context(), first.ID, hearth.StatusDone, "the decision was reviewed by a person and stands")
	must(t, err)
	if !done.Completed.Equal(e.now) {
		t.Errorf("Completed = %v, want %v", done.Completed, e.now)
	}
	if _, err := e.svc.Complete(t.Context(), first.ID, hearth.StatusRefused, "again"); hearth.ErrorCode(err) != hearth.ECONFLICT {
		t.Errorf("Complete a closed request: %v, want ECONFLICT", err)
	}
	if _, err := e.svc.Update(t.Context(), "rr_missing", ""); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("Update unknown: %v, want ENOTFOUND", err)
	}
	mine, err := e.svc.Requests(t.Context(), e.adult, e.hh, e.adult)
	must(t, err)
	if len(mine) != 1 || mine[0].Status != hearth.StatusDone || mine[0].Outcome != done.Outcome {
		t.Errorf("Requests = %+v, want the one done with its outcome", mine)
	}
	if _, err := e.svc.Requests(t.Context(), e.adult, e.hh, e.guest); hearth.ErrorCode(err) != hearth.EFORBIDDEN {
		t.Errorf("adult lists the guest's requests: %v, want EFORBIDDEN", err)
	}
	if _, err := e.svc.Request(t.Context(), e.owner, e.hh, e.guest, second.ID); err != nil {
		t.Errorf("owner reads the guest's request: %v", err)
	}
	if _, err := e.svc.Request(t.Context(), e.owner, e.hh, e.owner, second.ID); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("the guest's request under the owner's path: %v, want ENOTFOUND", err)
	}
	q, err = e.svc.Queue(t.Context(), 0)
	must(t, err)
	if len(q) != 1 || q[0].ID != second.ID {
		t.Errorf("Queue after completion = %+v, want only the second", q)
	}
}
