package consent_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/consent"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/sqlite"
)

const statement = "I explicitly agree that Pulse uses my heart rate to give me training insights."

const manifestYAML = `format: 1
version: "2025.1"
controller:
  name: Pulse Ltd
  contact: privacy@pulse.example
  address: 1 High Street, York
models:
  - id: band-1
    name: Pulse Band
    support_end: "2030-01-01"
    categories: [heart-rate, steps]
categories:
  - id: heart-rate
    name: Heart rate
    kind: special
    special_type: health
    retention: 1y
    values: [{field: bpm, type: integer}]
  - id: steps
    name: Step count
    kind: personal
    retention: 1y
    values: [{field: steps, type: integer}]
purposes:
  - id: tracking
    name: Count your steps
    basis: contract
    core: true
    categories: [steps]
  - id: insights
    name: Training insights from your heart rate
    description: Analyse your heart rate to suggest training.
    basis: consent
    art9_condition: explicit-consent
    explicit: "` + statement + `"
    categories: [heart-rate]
    recipients: [coach-co, cloud]
  - id: challenges
    name: Step challenges with friends
    basis: consent
    categories: [steps]
recipients:
  - id: coach-co
    name: Coach Co
    role: independent-controller
    categories: [heart-rate]
  - id: cloud
    name: Cloud Host
    role: processor
    categories: [heart-rate, steps]
consent:
  cool_off: 7d
`

// env is a consent service on real SQLite with two households: home (an
// owner, an adult and the owner's child) and away (an owner).
type env struct {
	svc                        *consent.Service
	store                      *sqlite.DB
	clock                      time.Time
	owner, adult, child, other string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	store, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	m, err := manifest.Parse("pulse.yaml", []byte(manifestYAML))
	if err != nil {
		t.Fatalf("Parse manifest: %v", err)
	}
	eng, err := policy.Compile(m)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	e := &env{store: store, clock: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	now := func() time.Time { return e.clock }
	e.svc, err = consent.NewService(consent.Config{Store: store, Ledger: ledger.New(store, now), Manifest: m, Policy: eng, Now: now})
	if err != nil {
		t.Fatalf("NewService: %v", err)
	}
	e.owner, e.other = e.household(t, "home"), e.household(t, "away")
	e.adult = e.member(t, "hh_home", hearth.RoleAdult, "")
	e.child = e.member(t, "hh_home", hearth.RoleChild, e.owner)
	return e
}

// household creates household hh_name with an owner profile and returns
// the owner's ID.
func (e *env) household(t *testing.T, name string) string {
	t.Helper()
	p := &hearth.Person{ID: hearth.NewID("p_"), DisplayName: "Owner", Created: e.clock}
	a := &hearth.Account{ID: hearth.NewID("a_"), Email: hearth.Email(p.ID + "@example.org"), PasswordHash: "x", PersonID: p.ID, Created: e.clock}
	p.AccountID = a.ID
	if err := e.store.CreateAccount(t.Context(), a, p); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	h := &hearth.Household{ID: "hh_" + name, Name: name, Created: e.clock}
	if err := e.store.CreateHousehold(t.Context(), h, &hearth.Member{HouseholdID: h.ID, PersonID: p.ID, Role: hearth.RoleOwner, Added: e.clock}); err != nil {
		t.Fatalf("CreateHousehold: %v", err)
	}
	return p.ID
}

// member adds a profile to hh with role and guardian.
func (e *env) member(t *testing.T, hh string, role hearth.Role, guardian string) string {
	t.Helper()
	p := &hearth.Person{ID: hearth.NewID("p_"), HouseholdID: hh, DisplayName: string(role), Created: e.clock}
	m := &hearth.Member{HouseholdID: hh, PersonID: p.ID, Role: role, GuardianID: guardian, Added: e.clock}
	if err := e.store.CreatePerson(t.Context(), p, m); err != nil {
		t.Fatalf("CreatePerson: %v", err)
	}
	return p.ID
}

// ledgerLen returns the number of ledger entries, after verifying them.
func (e *env) ledgerLen(t *testing.T) int64 {
	t.Helper()
	head, err := ledger.Verify(ledger.Entries(t.Context(), e.store, 0))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return head.Seq
}

// status returns subject's status for purpose.
func (e *env) status(t *testing.T, subject, purpose string) consent.Status {
	t.Helper()
	st, err := e.svc.State(t.Context(), subject)
	if err != nil {
		t.Fatalf("State: %v", err)
	}
	return st[purpose].Status
}

// CONSENT-OPTIN: a new person has every consent purpose not given.
func TestOptIn(t *testing.T) {
	e := newEnv(t)
	st, err := e.svc.State(t.Context(), e.adult)
	if err != nil {
		t.Fatalf("State: %v", err)
	}
	want := map[string]consent.PurposeState{"insights": {Status: consent.StatusNotGiven}, "challenges": {Status: consent.StatusNotGiven}}
	if d := cmp.Diff(want, st); d != "" {
		t.Errorf("State of a new person (-want +got):\n%s", d)
	}
}

// CONSENT-GRANULAR, CONSENT-EXPLICIT: a request carries who, why, what
// data, who receives it and how to withdraw, and records a request and a
// notice in the ledger.
func TestRequestCarriesEverything(t *testing.T) {
	e := newEnv(t)
	v, err := e.svc.Request(t.Context(), e.adult, e.adult, "insights", hearth.MethodApp)
	if err != nil {
		t.Fatalf("Request: %v", err)
	}
	if got, want := v.Controller.Name, "Pulse Ltd"; got != want {
		t.Errorf("Controller = %q, want %q", got, want)
	}
	if d := cmp.Diff([]consent.Recipient{{ID: "coach-co", Name: "Coach Co", Role: "independent-controller"}}, v.ThirdPartyControllers); d != "" {
		t.Errorf("ThirdPartyControllers (-want +got):\n%s", d)
	}
	if got, want := len(v.Recipients), 2; got != want {
		t.Errorf("%d recipients, want %d", got, want)
	}
	if d := cmp.Diff([]consent.Category{{ID: "heart-rate", Name: "Heart rate", Kind: "special"}}, v.Data); d != "" {
		t.Errorf("Data (-want +got):\n%s", d)
	}
	if v.Purpose.Description == "" || v.Withdraw == "" || !v.Explicit || v.Statement != statement {
		t.Errorf("Request = %+v, want a description, withdrawal text and the explicit statement", v)
	}
	// CONSENT-MULTIUSER: the request says how household data is covered,
	// and that the history already kept is.
	if !strings.Contains(v.HouseholdData, "every adult in the household") || !strings.Contains(v.HouseholdData, "already kept") {
		t.Errorf("Request.HouseholdData = %q, want the household rule and the history it covers", v.HouseholdData)
	}
	es, err := e.store.LedgerEntriesFor(t.Context(), e.adult)
	if err != nil {
		t.Fatalf("LedgerEntriesFor: %v", err)
	}
	var types []hearth.EntryType
	for _, x := range es {
		types = append(types, x.Type)
	}
	if d := cmp.Diff([]hearth.EntryType{hearth.EntryConsentRequested, hearth.EntryNoticeShown}, types); d != "" {
		t.Errorf("ledger entry types (-want +got):\n%s", d)
	}
}

// CONSENT-EXPLICIT, CONSENT-WITHDRAW, CONSENT-LEDGER: give with the
// statement verbatim, then withdraw through the same API; the ledger keeps
// the statement, the actor and the method, and receipts carry Kantara
// fields.
func TestGiveWithdrawAndReceipt(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	if _, err := e.svc.Give(ctx, e.adult, e.adult, "insights", hearth.MethodWeb, "I agree"); hearth.ErrorCode(err) != hearth.EINVALID || hearth.ErrorField(err) != "statement" {
		t.Errorf("Give with a paraphrased statement: %v, want EINVALID on statement", err)
	}
	st, err := e.svc.Give(ctx, e.adult, e.adult, "insights", hearth.MethodWeb, statement)
	if err != nil || st.Status != consent.StatusGiven {
		t.Fatalf("Give: %+v, %v; want given", st, err)
	}
	if got := e.status(t, e.adult, "insights"); got != consent.StatusGiven {
		t.Errorf("status after Give %q, want given", got)
	}
	if got := e.status(t, e.adult, "challenges"); got != consent.StatusNotGiven {
		t.Errorf("another purpose after Give: %q, want not-given (CONSENT-GRANULAR)", got)
	}
	if _, err := e.svc.Withdraw(ctx, e.adult, e.adult, "insights", hearth.MethodVoice); err != nil {
		t.Fatalf("Withdraw: %v", err)
	}
	if got := e.status(t, e.adult, "insights"); got != consent.StatusWithdrawn {
		t.Errorf("status after Withdraw %q, want withdrawn", got)
	}
	es, _ := e.store.LedgerEntriesFor(ctx, e.adult)
	if len(es) != 2 || es[0].Statement != statement || es[0].Actor != e.adult || es[1].Method != hearth.MethodVoice {
		t.Errorf("ledger = %+v; want the given entry with the statement verbatim, then a voice withdrawal", es)
	}
	rs, err := e.svc.Receipts(ctx, e.adult)
	if err != nil || len(rs) != 1 {
		t.Fatalf("Receipts: %d, %v; want 1", len(rs), err)
	}
	r := rs[0]
	p := r.Services[0].Purposes[0]
	if r.Version != consent.ReceiptVersion || r.PIIPrincipalID != e.adult || !r.Sensitive || p.ConsentType != "EXPLICIT" ||
		!p.ThirdPartyDisclosure || p.ThirdPartyName != "Coach Co" || r.CollectionMethod != "web" {
		t.Errorf("receipt = %+v", r)
	}
}

// CONSENT-NO-NAG: a refused request is suppressed within the cool-off and
// asked again after it.
func TestRefusedNotAskedAgainWithinCoolOff(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	if _, err := e.svc.Refuse(ctx, e.adult, e.adult, "challenges", hearth.MethodApp); err != nil {
		t.Fatalf("Refuse: %v", err)
	}
	before := e.ledgerLen(t)
	e.clock = e.clock.Add(6 * 24 * time.Hour)
	_, err := e.svc.Request(ctx, e.adult, e.adult, "challenges", hearth.MethodApp)
	if got, want := hearth.ErrorCode(err), hearth.ETOOMANY; got != want {
		t.Errorf("Request within the cool-off: code %q (%v), want %q", got, err, want)
	}
	if got := e.ledgerLen(t); got != before {
		t.Errorf("a suppressed request appended: %d entries, want %d", got, before)
	}
	e.clock = e.clock.Add(2 * 24 * time.Hour)
	if _, err := e.svc.Request(ctx, e.adult, e.adult, "challenges", hearth.MethodApp); err != nil {
		t.Errorf("Request after the cool-off: %v", err)
	}
}

// CONSENT-MULTIUSER, CONSENT-CHILD and bad input: precise errors, and a
// refused call appends nothing.
func TestRefusedCallsAppendNothing(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name           string
		actor, subject string
		purpose        string
		method         hearth.Method
		code, field    string
	}{
		{"unknown purpose", e.adult, e.adult, "nope", hearth.MethodApp, hearth.ENOTFOUND, "purpose"},
		{"purpose not on consent", e.adult, e.adult, "tracking", hearth.MethodApp, hearth.EINVALID, "purpose"},
		{"bad method", e.adult, e.adult, "challenges", "fax", hearth.EINVALID, "method"},
		{"another household's person", e.owner, e.other, "challenges", hearth.MethodApp, hearth.ENOTFOUND, "subject"},
		{"unknown person", e.owner, "p_none", "challenges", hearth.MethodApp, hearth.ENOTFOUND, "subject"},
		{"member A for member B", e.adult, e.owner, "challenges", hearth.MethodApp, hearth.EFORBIDDEN, ""},
		{"child for themselves", e.child, e.child, "challenges", hearth.MethodApp, hearth.EFORBIDDEN, ""},
		{"adult who is not the guardian for a child", e.adult, e.child, "challenges", hearth.MethodApp, hearth.EFORBIDDEN, ""},
	}
	calls := map[string]func(actor, subject, purpose string, m hearth.Method) error{
		"Request": func(a, s, p string, m hearth.Method) error {
			_, err := e.svc.Request(t.Context(), a, s, p, m)
			return err
		},
		"Give": func(a, s, p string, m hearth.Method) error {
			_, err := e.svc.Give(t.Context(), a, s, p, m, "")
			return err
		},
		"Refuse": func(a, s, p string, m hearth.Method) error {
			_, err := e.svc.Refuse(t.Context(), a, s, p, m)
			return err
		},
		"Withdraw": func(a, s, p string, m hearth.Method) error {
			_, err := e.svc.Withdraw(t.Context(), a, s, p, m)
			return err
		},
	}
	for _, tt := range tests {
		for name, call := range calls {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				err := call(tt.actor, tt.subject, tt.purpose, tt.method)
				if got := hearth.ErrorCode(err); got != tt.code || hearth.ErrorField(err) != tt.field {
					t.Errorf("code %q field %q (%v), want %q field %q", got, hearth.ErrorField(err), err, tt.code, tt.field)
				}
				if got := e.ledgerLen(t); got != 0 {
					t.Errorf("ledger has %d entries after a refused call, want 0", got)
				}
			})
		}
	}
}

// CONSENT-CHILD, CONSENT-MULTIUSER: the guardian consents for the child;
// the child's consent does not cover the guardian, nor the guardian's the
// child.
func TestGuardianConsentsForChild(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.Give(t.Context(), e.owner, e.child, "challenges", hearth.MethodApp, ""); err != nil {
		t.Fatalf("Give by the guardian: %v", err)
	}
	if got := e.status(t, e.child, "challenges"); got != consent.StatusGiven {
		t.Errorf("child's status %q, want given", got)
	}
	if got := e.status(t, e.owner, "challenges"); got != consent.StatusNotGiven {
		t.Errorf("guardian's own status %q, want not-given", got)
	}
	consented, _, err := e.svc.Bits(t.Context(), e.child)
	if err != nil || consented.Count() != 1 {
		t.Errorf("Bits: %v consented, %v; want one purpose", consented.Count(), err)
	}
}

// Giving twice and refusing a given consent: no duplicate entries, and a
// refusal of a given consent is a conflict (withdraw instead).
func TestRepeatedDecisions(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	for range 2 {
		if _, err := e.svc.Give(ctx, e.adult, e.adult, "challenges", hearth.MethodApp, ""); err != nil {
			t.Fatalf("Give: %v", err)
		}
	}
	if got := e.ledgerLen(t); got != 1 {
		t.Errorf("%d entries after giving twice, want 1", got)
	}
	if _, err := e.svc.Refuse(ctx, e.adult, e.adult, "challenges", hearth.MethodApp); hearth.ErrorCode(err) != hearth.ECONFLICT {
		t.Errorf("Refuse a given consent: %v, want ECONFLICT", err)
	}
	if _, err := e.svc.Request(ctx, e.adult, e.adult, "challenges", hearth.MethodApp); hearth.ErrorCode(err) != hearth.ECONFLICT {
		t.Errorf("Request a given consent: %v, want ECONFLICT", err)
	}
}

// SEC-ENCRYPT, CONSENT-EXPLICIT: the ledger, kept in clear, records only
// the manifest's statement: text a client sends with a consent that needs
// no statement is not recorded (it could name a person).
func TestLedgerRecordsNoClientText(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	if _, err := e.svc.Give(ctx, e.adult, e.adult, "challenges", hearth.MethodAPI, "Consent by Jane Marker, 12 High St"); err != nil {
		t.Fatalf("Give: %v", err)
	}
	es, err := e.store.LedgerEntriesFor(ctx, e.adult)
	if err != nil || len(es) != 1 {
		t.Fatalf("LedgerEntriesFor: %d entries, %v; want 1", len(es), err)
	}
	if es[0].Statement != "" {
		t.Errorf("recorded statement %q, want none for a purpose without an explicit statement", es[0].Statement)
	}
}

// SEC-BRUTE: showing a consent request (Preview, behind a GET) records
// nothing; recording it as shown (Request, behind a POST) is bounded per
// actor, subject and purpose: a flood records consent.RequestsRecorded
// pairs of entries and is then refused with a retry delay, while another
// purpose is still recorded.
func TestRequestRecordsBounded(t *testing.T) {
	e := newEnv(t)
	before := e.ledgerLen(t)
	for range 20 {
		if _, err := e.svc.Preview(t.Context(), e.adult, e.adult, "insights", hearth.MethodApp); err != nil {
			t.Fatalf("Preview: %v", err)
		}
	}
	if got := e.ledgerLen(t); got != before {
		t.Fatalf("Preview wrote %d ledger entries, want none", got-before)
	}
	refused := 0
	for range 200 {
		_, err := e.svc.Request(t.Context(), e.adult, e.adult, "insights", hearth.MethodApp)
		if _, ok := auth.IsRetryAfter(err); ok && hearth.ErrorCode(err) == hearth.ETOOMANY {
			refused++
		} else if err != nil {
			t.Fatalf("Request: %v", err)
		}
	}
	if got, want := e.ledgerLen(t)-before, int64(2*consent.RequestsRecorded); got != want || refused != 200-consent.RequestsRecorded {
		t.Errorf("a flood of 200 recorded %d entries and refused %d, want %d entries and %d refused", got, refused, want, 200-consent.RequestsRecorded)
	}
	if _, err := e.svc.Request(t.Context(), e.adult, e.adult, "challenges", hearth.MethodApp); err != nil {
		t.Errorf("another purpose during the flood: %v", err)
	}
}
