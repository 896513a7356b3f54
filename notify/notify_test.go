package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/notify"
	"github.com/hearth-iot/hearth/sqlite"
)

// newTerms and newPurpose turn the thermostat example into its next
// version: a new terms version and a marketing purpose on consent.
const (
	newTerms = `  - version: "2025-06"
    url: https://ember-home.example/terms/2025-06
    effective: "2025-06-01"
    expected_duration: 5y
  - version: "2026-01"
    url: https://ember-home.example/terms/2026-01
    effective: "2026-01-01"
    expected_duration: 3y
`
	newPurpose = `purposes:
  - id: comfort-offers
    name: Show offers for comfort products
    basis: consent
    marketing: true
    categories: [room-temperature]
`
)

// thermostat returns the example manifest with version v and the pairs
// replaced (old, new, ...).
func thermostat(t *testing.T, v string, pairs ...string) *manifest.Manifest {
	t.Helper()
	src := strings.Replace(string(examples.Thermostat), `version: "2025-06"`, `version: "`+v+`"`, 1)
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(src, pairs[i]) {
			t.Fatalf("the thermostat manifest has no %q", pairs[i])
		}
		src = strings.Replace(src, pairs[i], pairs[i+1], 1)
	}
	m, err := manifest.Parse("thermostat.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

// next is the next version of the thermostat manifest.
func next(t *testing.T, v string) *manifest.Manifest {
	t.Helper()
	return thermostat(t, v, "purposes:\n", newPurpose, strings.SplitAfter(newTerms, "expected_duration: 5y\n")[0], newTerms)
}

// home is a household: an owner and a second account holder, a child
// profile whose guardian is the owner, and an outsider with an account in
// another household.
type home struct {
	store                         *sqlite.DB
	hh                            string
	owner, adult, child, outsider string
	clock                         time.Time
}

func newHome(t *testing.T) *home {
	t.Helper()
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	h := &home{store: db, hh: "hh_home", clock: time.Date(2025, 7, 1, 9, 0, 0, 0, time.UTC)}
	h.owner = h.account(t, "hh_home", hearth.RoleOwner, true)
	h.adult = h.account(t, "hh_home", hearth.RoleAdult, false)
	h.outsider = h.account(t, "hh_away", hearth.RoleOwner, true)
	p := &hearth.Person{ID: hearth.NewID("p_"), HouseholdID: h.hh, DisplayName: "Child", Created: h.clock}
	must(t, "CreatePerson", db.CreatePerson(t.Context(), p, &hearth.Member{HouseholdID: h.hh, PersonID: p.ID, Role: hearth.RoleChild, GuardianID: h.owner, Added: h.clock}))
	h.child = p.ID
	return h
}

// account creates an account holder in household hh with role; create
// makes the household.
func (h *home) account(t *testing.T, hh string, role hearth.Role, create bool) string {
	t.Helper()
	p := &hearth.Person{ID: hearth.NewID("p_"), DisplayName: string(role), Created: h.clock}
	a := &hearth.Account{ID: hearth.NewID("a_"), Email: hearth.Email(p.ID + "@example.org"), PasswordHash: "x", PersonID: p.ID, Created: h.clock}
	p.AccountID = a.ID
	must(t, "CreateAccount", h.store.CreateAccount(t.Context(), a, p))
	m := &hearth.Member{HouseholdID: hh, PersonID: p.ID, Role: role, Added: h.clock}
	if create {
		must(t, "CreateHousehold", h.store.CreateHousehold(t.Context(), &hearth.Household{ID: hh, Name: hh, Created: h.clock}, m))
	} else {
		must(t, "AddMember", h.store.AddMember(t.Context(), m))
	}
	return p.ID
}

func (h *home) service(t *testing.T, m *manifest.Manifest) *notify.Service {
	t.Helper()
	s, err := notify.NewService(notify.Config{Store: h.store, Manifest: m, Now: func() time.Time { return h.clock }})
	must(t, "NewService", err)
	return s
}

// load runs ManifestLoaded for m.
func (h *home) load(t *testing.T, m *manifest.Manifest) notify.Report {
	t.Helper()
	rep, err := h.service(t, m).ManifestLoaded(t.Context())
	must(t, "ManifestLoaded", err)
	return rep
}

// kinds returns the kinds of a person's notifications, newest first.
func (h *home) kinds(t *testing.T, person string) []hearth.NotificationKind {
	t.Helper()
	ns, err := h.store.Notifications(t.Context(), person, "", 0)
	must(t, "Notifications", err)
	var out []hearth.NotificationKind
	for _, n := range ns {
		out = append(out, n.Kind)
	}
	return out
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := hearth.ErrorCode(err); got != want {
		t.Errorf("%s: code %q (err %v), want %q", what, got, err, want)
	}
}

// TestManifestChangeNotifiesEveryMember: USAGE-CHANGE, CONSENT-MULTIUSER:
// a new manifest version that changes processing notifies every member of
// every household, profiles included, once, naming the new purpose;
// TOS-PERMISSION: a new terms version notifies every account holder.
func TestManifestChangeNotifiesEveryMember(t *testing.T) {
	h := newHome(t)
	if rep := h.load(t, thermostat(t, "2025-06")); !rep.First || rep.Notified != 0 {
		t.Errorf("first load: %+v, want First and nobody notified", rep)
	}
	if rep := h.load(t, thermostat(t, "2025-06")); rep.Changed {
		t.Errorf("same manifest again: %+v, want no change", rep)
	}
	rep := h.load(t, next(t, "2026-01"))
	if !rep.Changed || !rep.TermsChanged {
		t.Errorf("new version: %+v, want Changed and TermsChanged", rep)
	}
	if got, want := rep.Changes.NewConsentPurposes(), []string{"comfort-offers"}; len(got) != 1 || got[0] != want[0] {
		t.Errorf("NewConsentPurposes = %v, want %v", got, want)
	}
	tests := []struct {
		name   string
		person string
		want   []hearth.NotificationKind
	}{
		{"owner", h.owner, []hearth.NotificationKind{hearth.NotifyTermsChanged, hearth.NotifyManifestChanged}},
		{"second account holder", h.adult, []hearth.NotificationKind{hearth.NotifyTermsChanged, hearth.NotifyManifestChanged}},
		{"child profile", h.child, []hearth.NotificationKind{hearth.NotifyManifestChanged}},
		{"other household's owner", h.outsider, []hearth.NotificationKind{hearth.NotifyTermsChanged, hearth.NotifyManifestChanged}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := h.kinds(t, tt.person)
			if len(got) != len(tt.want) {
				t.Fatalf("kinds = %v, want %v", got, tt.want)
			}
			for _, k := range tt.want {
				if !containsKind(got, k) {
					t.Errorf("kinds = %v, want %v", got, tt.want)
				}
			}
			ns, _ := h.store.Notifications(t.Context(), tt.person, "", 0)
			for _, n := range ns {
				if n.Kind == hearth.NotifyManifestChanged && (!strings.Contains(n.Body, "Show offers for comfort products") || !strings.Contains(n.Body, "stay off until you agree")) {
					t.Errorf("body %q does not name the new purpose and that it stays off", n.Body)
				}
			}
		})
	}
	if rep := h.load(t, next(t, "2026-01")); rep.Changed || rep.Notified != 0 {
		t.Errorf("loading the same version again: %+v, want nothing", rep)
	}
	if got := h.kinds(t, h.owner); len(got) != 2 {
		t.Errorf("owner after a second load: %v, want the same 2 notifications", got)
	}
}

func containsKind(ks []hearth.NotificationKind, k hearth.NotificationKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// TestSameVersionDifferentContent: a changed declaration under the same
// version string is a change like any other (USAGE-CHANGE).
func TestSameVersionDifferentContent(t *testing.T) {
	h := newHome(t)
	h.load(t, thermostat(t, "2025-06"))
	rep := h.load(t, thermostat(t, "2025-06", "retention: 30d", "retention: 90d"))
	if !rep.Changed || !rep.Changes.Processing() || rep.TermsChanged {
		t.Errorf("report %+v, want a processing change and no terms change", rep)
	}
	if got := h.kinds(t, h.child); len(got) != 1 || got[0] != hearth.NotifyManifestChanged {
		t.Errorf("child's notifications %v, want one manifest-changed", got)
	}
	// A change outside processing (a support date) is recorded, not notified.
	rep = h.load(t, thermostat(t, "2025-06", "retention: 30d", "retention: 90d", `support_end: "2031-12-31"`, `support_end: "2032-12-31"`))
	if !rep.Changed || rep.Changes.Processing() || rep.Notified != 0 {
		t.Errorf("support date change: %+v, want changed, nothing to notify", rep)
	}
}

// TestListAndRead: a person lists their notifications in pages and marks
// them read; a profile's are read by the owner or guardian only
// (CONSENT-MULTIUSER, SEC-AUTHZ).
func TestListAndRead(t *testing.T) {
	h := newHome(t)
	h.load(t, thermostat(t, "2025-06"))
	h.load(t, next(t, "2026-01"))
	s := h.service(t, next(t, "2026-01"))
	p1, err := s.List(t.Context(), h.owner, "", 1)
	must(t, "List", err)
	if len(p1.Items) != 1 || p1.Next == "" {
		t.Fatalf("page 1 = %+v, want one item and a cursor", p1)
	}
	p2, err := s.List(t.Context(), h.owner, p1.Next, 1)
	must(t, "List page 2", err)
	if len(p2.Items) != 1 || p2.Items[0].ID == p1.Items[0].ID {
		t.Errorf("page 2 = %+v, want the other notification", p2)
	}
	_, err = s.List(t.Context(), h.owner, "", notify.MaxLimit+1)
	wantCode(t, "List over the limit", err, hearth.EINVALID)
	must(t, "MarkRead", s.MarkRead(t.Context(), h.owner, p1.Items[0].ID))
	wantCode(t, "MarkRead of another's", s.MarkRead(t.Context(), h.adult, p1.Items[0].ID), hearth.ENOTFOUND)
	got, err := s.List(t.Context(), h.owner, "", 0)
	must(t, "List", err)
	if got.Items[0].Read.IsZero() || !got.Items[1].Read.IsZero() {
		t.Errorf("read times %v, %v: want the first marked only", got.Items[0].Read, got.Items[1].Read)
	}
	tests := []struct {
		name, caller, person, want string
	}{
		{"owner reads the child's", h.owner, h.child, ""},
		{"adult member may not", h.adult, h.child, hearth.EFORBIDDEN},
		{"outsider", h.outsider, h.child, hearth.ENOTFOUND},
		{"an account holder's are their own", h.owner, h.adult, hearth.ENOTFOUND},
		{"not a member", h.owner, h.outsider, hearth.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := s.ListFor(t.Context(), tt.caller, h.hh, tt.person, "", 0)
			wantCode(t, "ListFor", err, tt.want)
			if tt.want == "" && len(p.Items) != 1 {
				t.Errorf("items %d, want 1", len(p.Items))
			}
		})
	}
}

// TestTerms: TOS-PERMISSION: the accepted version stands until a newer one
// is accepted, and only the current version can be accepted; TOS-DURATION:
// the terms state their expected duration and what changed.
func TestTerms(t *testing.T) {
	h := newHome(t)
	old := h.service(t, thermostat(t, "2025-06"))
	st, err := old.AcceptTerms(t.Context(), h.owner, "2025-06")
	must(t, "AcceptTerms", err)
	if st.Accepted != "2025-06" || st.NewerAwaits {
		t.Errorf("status %+v, want 2025-06 accepted, nothing newer", st)
	}
	s := h.service(t, next(t, "2026-01"))
	tv, err := s.Terms()
	must(t, "Terms", err)
	if tv.Version != "2026-01" || tv.ExpectedDuration != "3 years" || tv.Previous != "2025-06" || len(tv.Changes) < 2 {
		t.Errorf("Terms = %+v, want 2026-01 lasting 3 years, after 2025-06, with changes", tv)
	}
	st, err = s.TermsStatus(t.Context(), h.owner)
	must(t, "TermsStatus", err)
	if st.Accepted != "2025-06" || st.Current != "2026-01" || !st.NewerAwaits {
		t.Errorf("status %+v, want 2025-06 still accepted and 2026-01 awaiting", st)
	}
	tests := []struct {
		name, version, want string
	}{
		{"empty", "", hearth.EINVALID},
		{"unknown", "1999", hearth.EINVALID},
		{"superseded", "2025-06", hearth.ECONFLICT},
		{"current", "2026-01", ""},
		{"current again", "2026-01", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.AcceptTerms(t.Context(), h.adult, tt.version)
			wantCode(t, "AcceptTerms", err, tt.want)
		})
	}
	st, err = s.TermsStatus(t.Context(), h.adult)
	must(t, "TermsStatus", err)
	if st.Accepted != "2026-01" || st.NewerAwaits {
		t.Errorf("status %+v, want 2026-01 accepted", st)
	}
	firstTerms := strings.SplitAfter(newTerms, "expected_duration: 5y\n")[0]
	none := h.service(t, thermostat(t, "x", "terms:\n"+firstTerms, "terms: []\n"))
	_, err = none.Terms()
	wantCode(t, "Terms of a manifest without terms", err, hearth.ENOTFOUND)
}

// TestUnreadableRecordNotifies: a recorded manifest this build cannot read
// still leads to a notification (USAGE-CHANGE): silence is never the
// fallback.
func TestUnreadableRecordNotifies(t *testing.T) {
	h := newHome(t)
	must(t, "RecordManifest", h.store.RecordManifest(t.Context(), &hearth.ManifestRecord{Version: "old", Digest: []byte("x"), Canonical: []byte(`{"format": 99}`), Loaded: h.clock}))
	rep := h.load(t, thermostat(t, "2025-06"))
	if !rep.Changes.Processing() || rep.Notified == 0 {
		t.Errorf("report %+v, want a change notified", rep)
	}
	if got := h.kinds(t, h.child); len(got) != 1 || got[0] != hearth.NotifyManifestChanged {
		t.Errorf("child's notifications %v, want one manifest-changed", got)
	}
}
