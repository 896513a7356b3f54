package subject_test

import (
	"context"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/consent"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/sqlite"
	"github.com/hearth-iot/hearth/subject"
)

type env struct {
	ctx                   context.Context
	db                    *sqlite.DB
	eng                   *policy.Engine
	consents              *consent.Service
	cache                 *subject.Cache
	hh, owner, adult, kid string
	now                   time.Time
}

// newEnv opens real SQLite with the thermostat manifest (children likely)
// and a household: an owner, an adult and a child whose guardian is the
// owner.
func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	e := &env{ctx: context.Background(), db: db, now: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
	if e.eng, err = policy.Compile(m); err != nil {
		t.Fatalf("compile: %v", err)
	}
	clock := func() time.Time { return e.now }
	e.consents, err = consent.NewService(consent.Config{Store: db, Ledger: ledger.New(db, clock), Manifest: m, Policy: e.eng, Now: clock,
		OnChange: func(p string) { e.cache.Invalidate(p) }})
	if err != nil {
		t.Fatalf("consent service: %v", err)
	}
	if e.cache, err = subject.New(subject.Config{Store: db, Manifest: m, Policy: e.eng, Consents: e.consents, Now: clock}); err != nil {
		t.Fatalf("subject cache: %v", err)
	}
	e.hh = hearth.NewID("hh_")
	e.owner = e.person(t, "", hearth.RoleOwner, "")
	e.adult = e.person(t, e.hh, hearth.RoleAdult, "")
	e.kid = e.person(t, e.hh, hearth.RoleChild, e.owner)
	return e
}

// person stores a person; with hh == "" the household e.hh is created
// with them as its owner.
func (e *env) person(t *testing.T, hh string, role hearth.Role, guardian string) string {
	t.Helper()
	p := &hearth.Person{ID: hearth.NewID("per_"), HouseholdID: hh, DisplayName: "P", Created: e.now}
	if hh == "" {
		a := &hearth.Account{ID: hearth.NewID("a_"), Email: hearth.Email(p.ID + "@example.org"), PasswordHash: "x", PersonID: p.ID, Created: e.now}
		p.AccountID = a.ID
		if err := e.db.CreateAccount(e.ctx, a, p); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		h := &hearth.Household{ID: e.hh, Name: "Home", Created: e.now}
		if err := e.db.CreateHousehold(e.ctx, h, &hearth.Member{HouseholdID: e.hh, PersonID: p.ID, Role: role, Added: e.now}); err != nil {
			t.Fatalf("CreateHousehold: %v", err)
		}
		return p.ID
	}
	if err := e.db.CreatePerson(e.ctx, p, &hearth.Member{HouseholdID: hh, PersonID: p.ID, Role: role, GuardianID: guardian, Added: e.now}); err != nil {
		t.Fatalf("CreatePerson: %v", err)
	}
	return p.ID
}

// active reports whether purpose is active for person now, through the cache.
func (e *env) active(t *testing.T, person, purpose string) bool {
	t.Helper()
	s, err := e.cache.Person(e.ctx, e.hh, person)
	if err != nil {
		t.Fatalf("Person: %v", err)
	}
	return e.eng.Active(&s, purpose).Allow
}

// DEFAULT-PRIVATE, CONSENT-OPTIN, CONSENT-WITHDRAW: a new person has the
// defaults; every consent and settings change through the services
// reaches the cached subject at once.
func TestCacheInvalidation(t *testing.T) {
	e := newEnv(t)
	const purpose = "energy-insights" // consent, switched on by the energy-insights feature
	steps := []struct {
		name string
		act  func() error
		want bool
	}{
		{"defaults", nil, false},
		{"feature on", func() error {
			_, err := e.cache.SetFeature(e.ctx, e.owner, e.hh, e.owner, purpose, true)
			return err
		}, false},
		{"consent given", func() error {
			_, err := e.consents.Give(e.ctx, e.owner, e.owner, purpose, hearth.MethodApp, "")
			return err
		}, true},
		{"feature off", func() error {
			_, err := e.cache.SetFeature(e.ctx, e.owner, e.hh, e.owner, purpose, false)
			return err
		}, false},
		{"feature on again", func() error {
			_, err := e.cache.PutSettings(e.ctx, e.owner, e.hh, e.owner, hearth.PersonSettings{Features: []string{purpose}})
			return err
		}, true},
		{"withdrawn", func() error {
			_, err := e.consents.Withdraw(e.ctx, e.owner, e.owner, purpose, hearth.MethodApp)
			return err
		}, false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.act != nil {
				if err := st.act(); err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
			}
			if got := e.active(t, e.owner, purpose); got != st.want {
				t.Errorf("%s active = %v, want %v", purpose, got, st.want)
			}
		})
	}
	if got := e.active(t, e.adult, purpose); got {
		t.Errorf("%s active for another member = true, want false (CONSENT-MULTIUSER)", purpose)
	}
}

// The Subject's Child comes from the household role, its mode from the
// device; a household reading has no consent while only one member gave
// it, and a non-member is ENOTFOUND.
func TestForDevice(t *testing.T) {
	e := newEnv(t)
	dev := &hearth.Device{ID: "dev_1", HouseholdID: e.hh, Mode: hearth.ModeLocalOnly}
	if _, err := e.consents.Give(e.ctx, e.owner, e.owner, "energy-insights", hearth.MethodApp, ""); err != nil {
		t.Fatalf("Give: %v", err)
	}
	tests := []struct {
		name, person  string
		wantChild     bool
		wantConsented int
		wantCode      string
	}{
		{"owner", e.owner, false, 1, ""},
		{"child", e.kid, true, 0, ""},
		{"household (a child lives there: high privacy)", "", true, 0, ""},
		{"stranger", "per_nobody", false, 0, hearth.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := e.cache.ForDevice(e.ctx, dev, tt.person)
			if code := hearth.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("ForDevice error = %v, want code %q", err, tt.wantCode)
			}
			if err != nil {
				return
			}
			if s.Child != tt.wantChild || s.Consented.Count() != tt.wantConsented || s.Mode != hearth.ModeLocalOnly {
				t.Errorf("Subject = child %v, %d consents, mode %q; want %v, %d, %q",
					s.Child, s.Consented.Count(), s.Mode, tt.wantChild, tt.wantConsented, hearth.ModeLocalOnly)
			}
		})
	}
}

// CONSENT-MULTIUSER, CONSENT-CHILD, SEC-AUTHZ: who may see and change a
// person's consents and settings.
func TestAuthorize(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, actor, hh, person string
		wantCode, wantField     string
	}{
		{"self", e.adult, e.hh, e.adult, "", ""},
		{"guardian for child", e.owner, e.hh, e.kid, "", ""},
		{"another adult", e.owner, e.hh, e.adult, hearth.EFORBIDDEN, ""},
		{"not the guardian", e.adult, e.hh, e.kid, hearth.EFORBIDDEN, ""},
		{"child for themselves", e.kid, e.hh, e.kid, hearth.EFORBIDDEN, ""},
		{"not a member", "per_nobody", e.hh, e.adult, hearth.ENOTFOUND, ""},
		{"unknown household", e.owner, "hh_nowhere", e.owner, hearth.ENOTFOUND, ""},
		{"unknown person", e.owner, e.hh, "per_nobody", hearth.ENOTFOUND, "person"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.cache.Authorize(e.ctx, tt.actor, tt.hh, tt.person)
			if code := hearth.ErrorCode(err); code != tt.wantCode {
				t.Errorf("Authorize error = %v, want code %q", err, tt.wantCode)
			}
			if got := hearth.ErrorField(err); got != tt.wantField {
				t.Errorf("field = %q, want %q", got, tt.wantField)
			}
		})
	}
}

// MIN-LOCATION, DEFAULT-PRIVATE: settings default to the manifest's
// defaults (location off where children are likely), and only declared
// features, optional purposes and offered precisions are accepted;
// nothing is stored on error.
func TestSettings(t *testing.T) {
	e := newEnv(t)
	got, err := e.cache.Settings(e.ctx, e.owner, e.hh, e.owner)
	if err != nil || got.Location != "" || len(got.Features) != 0 || !got.Updated.IsZero() {
		t.Fatalf("default Settings = %+v, %v; want location off, no features, never updated", got, err)
	}
	bad := []struct {
		name, field string
		st          hearth.PersonSettings
	}{
		{"unknown feature", "features", hearth.PersonSettings{Features: []string{"jetpack"}}},
		{"consent purpose", "purposes", hearth.PersonSettings{Purposes: []string{"energy-insights"}}},
		{"core purpose", "purposes", hearth.PersonSettings{Purposes: []string{"heating-control"}}},
		{"unknown granularity", "location", hearth.PersonSettings{Location: "house"}},
		{"precision not offered", "feature_location", hearth.PersonSettings{FeatureLocation: map[string]string{"weather-compensation": "street"}}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.cache.PutSettings(e.ctx, e.owner, e.hh, e.owner, tt.st)
			if hearth.ErrorCode(err) != hearth.EINVALID || hearth.ErrorField(err) != tt.field {
				t.Errorf("PutSettings error = %v, want EINVALID on %q", err, tt.field)
			}
		})
	}
	if _, err := e.db.Settings(e.ctx, e.owner); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("stored settings after refused puts: %v, want none", err)
	}
	want := hearth.PersonSettings{Features: []string{"weather-compensation"}, Location: "city",
		FeatureLocation: map[string]string{"weather-compensation": "region"}}
	if _, err := e.cache.PutSettings(e.ctx, e.owner, e.hh, e.owner, want); err != nil {
		t.Fatalf("PutSettings: %v", err)
	}
	s, err := e.cache.Person(e.ctx, e.hh, e.owner)
	if err != nil {
		t.Fatalf("Person: %v", err)
	}
	if s.Location != policy.GranularityCity {
		t.Errorf("Location = %v, want city", s.Location)
	}
	if _, err := e.consents.Give(e.ctx, e.owner, e.owner, "weather-compensation", hearth.MethodApp, ""); err != nil {
		t.Fatalf("Give: %v", err)
	}
	s, _ = e.cache.Person(e.ctx, e.hh, e.owner)
	if g := e.eng.LocationPrecision(&s, "home-area"); g != policy.GranularityRegion {
		t.Errorf("LocationPrecision = %v, want region (the feature's choice)", g)
	}
}

// CONSENT-MULTIUSER: household data (no person) serves a consent-based
// purpose only once every adult member and owner has consented and
// switched its feature on, and the guardian has for the child; any one
// withdrawal stops it again. Guests take no part.
func TestHouseholdConsent(t *testing.T) {
	e := newEnv(t)
	e.person(t, e.hh, hearth.RoleGuest, "") // takes no part
	const purpose, feature = "energy-insights", "energy-insights"
	household := func() bool {
		t.Helper()
		s, err := e.cache.Household(e.ctx, e.hh)
		if err != nil {
			t.Fatalf("Household: %v", err)
		}
		return e.eng.Active(&s, purpose).Allow
	}
	agree := func(actor, person string) func() {
		return func() {
			if _, err := e.consents.Give(e.ctx, actor, person, purpose, hearth.MethodApp, ""); err != nil {
				t.Fatalf("Give: %v", err)
			}
			if _, err := e.cache.SetFeature(e.ctx, actor, e.hh, person, feature, true); err != nil {
				t.Fatalf("SetFeature: %v", err)
			}
		}
	}
	steps := []struct {
		name string
		do   func()
		want bool
	}{
		{"nobody agreed", func() {}, false},
		{"the owner agreed", agree(e.owner, e.owner), false},
		{"the adult agreed", agree(e.adult, e.adult), false},
		{"the guardian agreed for the child", agree(e.owner, e.kid), true},
		{"the adult switched the feature off", func() {
			if _, err := e.cache.SetFeature(e.ctx, e.adult, e.hh, e.adult, feature, false); err != nil {
				t.Fatalf("SetFeature: %v", err)
			}
		}, false},
	}
	for _, st := range steps {
		st.do()
		if got := household(); got != st.want {
			t.Errorf("%s: %s active for household data = %v, want %v", st.name, purpose, got, st.want)
		}
	}
}
