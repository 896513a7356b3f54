package ingest_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/consent"
	"github.com/hearth-iot/hearth/ingest"
	"github.com/hearth-iot/hearth/ingest/ingesttest"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/metrics"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/sqlite"
	"github.com/hearth-iot/hearth/subject"
)

// policyManifest adds to the fixture's model a consent-only category
// (pulse) and a location category (position) switched on by a feature.
const policyManifest = `format: 1
version: "policy-1"
controller:
  name: Hearth Test Ltd
models:
  - id: thermo
    support_end: "2031-12-31"
    categories: [temperature, pulse, position]
categories:
  - id: temperature
    kind: technical
    retention: 30d
    values: [{field: v, type: string}, {field: celsius, type: number}]
  - id: pulse
    kind: personal
    retention: 7d
    values: [{field: v, type: string}]
  - id: position
    kind: location
    granularities: [street, city]
    retention: 1d
purposes:
  - id: heating
    basis: contract
    core: true
    categories: [temperature]
  - id: wellbeing
    basis: consent
    categories: [pulse]
  - id: maps
    basis: consent
    categories: [position]
features:
  - id: maps
    name: Maps
    purposes: [maps]
    granularities: [street, city]
    implications: Keeps where you are.
`

type policyEnv struct {
	*ingesttest.Fixture
	db       *sqlite.DB
	svc      *ingest.Service
	consents *consent.Service
	subjects *subject.Cache
	metrics  *metrics.Metrics
}

// newPolicyEnv starts ingestion on real SQLite with the consent service and
// subject cache wired as the server wires them.
func newPolicyEnv(t *testing.T) *policyEnv {
	t.Helper()
	return newPolicyEnvAt(t, nil)
}

// newPolicyEnvAt is newPolicyEnv with ingestion's clock now (nil: time.Now).
func newPolicyEnvAt(t *testing.T, now func() time.Time) *policyEnv {
	t.Helper()
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	f := ingesttest.Provision(t, db)
	m, err := manifest.Parse("policy.yaml", []byte(policyManifest))
	if err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	eng, err := policy.Compile(m)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	e := &policyEnv{Fixture: f, db: db, metrics: metrics.NewUnregistered()}
	e.consents, err = consent.NewService(consent.Config{Store: db, Ledger: ledger.New(db, nil), Manifest: m, Policy: eng,
		OnChange: func(p string) { e.subjects.Invalidate(p) }})
	if err != nil {
		t.Fatalf("consent service: %v", err)
	}
	if e.subjects, err = subject.New(subject.Config{Store: db, Manifest: m, Policy: eng, Consents: e.consents}); err != nil {
		t.Fatalf("subject cache: %v", err)
	}
	e.svc = ingest.New(ingest.Config{Store: db, Keys: f.Keys, Manifest: m, Policy: eng, Subjects: e.subjects, Metrics: e.metrics, Now: now})
	e.svc.Start()
	t.Cleanup(func() { e.svc.Close(context.Background()) })
	return e
}

// MIN-GATE, CONSENT-OPTIN, CONSENT-WITHDRAW, CONSENT-MULTIUSER: a
// consent-only category is stored only while its person's consent is
// given, counted by policy's reason otherwise; one person's consent does
// not cover another's data, nor the household's.
func TestIngestPolicyConsent(t *testing.T) {
	ctx := context.Background()
	e := newPolicyEnv(t)
	dev, _ := e.Device(t, true, hearth.ModeCloud)
	give := func(t *testing.T) {
		if _, err := e.consents.Give(ctx, e.Owner, e.Owner, "wellbeing", hearth.MethodAPI, ""); err != nil {
			t.Fatalf("Give: %v", err)
		}
	}
	withdraw := func(t *testing.T) {
		if _, err := e.consents.Withdraw(ctx, e.Owner, e.Owner, "wellbeing", hearth.MethodAPI); err != nil {
			t.Fatalf("Withdraw: %v", err)
		}
	}
	steps := []struct {
		name       string
		before     func(t *testing.T)
		person     string
		wantReason string // "" for stored
	}{
		{"no consent", nil, e.Owner, "no_consent"},
		{"consent given", give, e.Owner, ""},
		{"another member", nil, e.Member, "no_consent"},
		{"the household", nil, "", "no_consent"},
		{"withdrawn", withdraw, e.Owner, "consent_refused"},
	}
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.before != nil {
				st.before(t)
			}
			counter := e.metrics.ReadingsRefused.WithLabelValues("mqtt", st.wantReason)
			before := testutil.ToFloat64(counter)
			res, err := e.svc.Ingest(ctx, dev, ingest.TransportMQTT, ingesttest.Payload(string(rune('a'+i)), "pulse", st.person))
			if st.wantReason == "" {
				if err != nil || !res.Stored {
					t.Fatalf("Ingest = %+v, %v; want stored", res, err)
				}
				return
			}
			if code := hearth.ErrorCode(err); code != hearth.EREFUSED {
				t.Fatalf("Ingest error = %v, want code %s", err, hearth.EREFUSED)
			}
			if got := ingest.RefusalReason(err); got != st.wantReason {
				t.Errorf("RefusalReason = %q, want %q", got, st.wantReason)
			}
			if got := testutil.ToFloat64(counter) - before; got != 1 {
				t.Errorf("refused{reason=%q} grew by %v, want 1", st.wantReason, got)
			}
		})
	}
	rs, err := e.db.Readings(ctx, hearth.ReadingFilter{HouseholdID: e.Household})
	if err != nil || len(rs) != 1 {
		t.Errorf("stored readings = %d (%v), want 1", len(rs), err)
	}
}

// MIN-LOCATION: location is refused while sharing is off, and stored no
// finer than the person's choice for the feature, with the precision.
func TestIngestPolicyLocation(t *testing.T) {
	ctx := context.Background()
	e := newPolicyEnv(t)
	dev, _ := e.Device(t, true, hearth.ModeCloud)
	payload := func(id, values string) []byte {
		return []byte(`{"id":"` + id + `","time":"` + time.Now().UTC().Format(time.RFC3339) + `","category":"position","person":"` + e.Owner + `","values":` + values + `}`)
	}
	if _, err := e.svc.Ingest(ctx, dev, ingest.TransportHTTP, payload("l0", `{"lat":53.8,"lon":-1.55}`)); ingest.RefusalReason(err) != "location_off" {
		t.Fatalf("Ingest with location off: %v (reason %q), want location_off", err, ingest.RefusalReason(err))
	}
	if _, err := e.subjects.PutSettings(ctx, e.Owner, e.Household, e.Owner, hearth.PersonSettings{
		Features: []string{"maps"}, Location: "street", FeatureLocation: map[string]string{"maps": "city"}}); err != nil {
		t.Fatalf("PutSettings: %v", err)
	}
	if _, err := e.consents.Give(ctx, e.Owner, e.Owner, "maps", hearth.MethodApp, ""); err != nil {
		t.Fatalf("Give: %v", err)
	}
	tests := []struct {
		name, id, values string
		wantCode         string
		want             map[string]any
	}{
		{"coarsened to the feature's choice", "l1", `{"lat":53.7965,"lon":-1.5478}`, "",
			map[string]any{"lat": 53.75, "lon": -1.55, "precision": "city"}},
		{"extra field", "l2", `{"lat":53.8,"lon":-1.55,"street":"Kiln Street"}`, hearth.EREFUSED, nil},
		{"out of range", "l3", `{"lat":95,"lon":0}`, hearth.EREFUSED, nil},
		{"missing lon", "l4", `{"lat":53.8}`, hearth.EREFUSED, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.svc.Ingest(ctx, dev, ingest.TransportHTTP, payload(tt.id, tt.values))
			if code := hearth.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("Ingest error = %v, want code %q", err, tt.wantCode)
			}
			if tt.want == nil {
				return
			}
			rs, err := e.db.Readings(ctx, hearth.ReadingFilter{HouseholdID: e.Household, After: res.ReadingID - 1, Limit: 1})
			if err != nil || len(rs) != 1 {
				t.Fatalf("Readings = %d, %v; want 1", len(rs), err)
			}
			plain, err := e.Keys.Open(ctx, rs[0].Sealed, rs[0].AAD())
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			var got map[string]any
			if err := json.Unmarshal(plain, &got); err != nil {
				t.Fatalf("stored values %s: %v", plain, err)
			}
			for k, w := range tt.want {
				g := got[k]
				if gf, ok := g.(float64); ok {
					if wf := w.(float64); gf < wf-1e-9 || gf > wf+1e-9 {
						t.Errorf("stored %s = %v, want %v", k, g, w)
					}
				} else if g != w {
					t.Errorf("stored %s = %v, want %v", k, g, w)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("stored values %s, want exactly %v", plain, tt.want)
			}
		})
	}
}

// MIN-GATE: values must match the category's declared shape; a field the
// category does not declare is refused like an undeclared category, so
// another kind of data (a pulse, a position) cannot ride along, and
// nothing is stored.
func TestIngestPolicyShape(t *testing.T) {
	ctx := context.Background()
	e := newPolicyEnv(t)
	dev, _ := e.Device(t, true, hearth.ModeCloud)
	payload := func(id, values string) []byte {
		return []byte(`{"id":"` + id + `","time":"` + time.Now().UTC().Format(time.RFC3339) + `","category":"temperature","values":` + values + `}`)
	}
	tests := []struct {
		name, id, values, wantReason string
	}{
		{"declared", "s1", `{"celsius":21.5}`, ""},
		{"a pulse riding along", "s2", `{"celsius":21.5,"bpm":131}`, "undeclared_field"},
		{"a position riding along", "s3", `{"celsius":21.5,"lat":53.796512,"lon":-1.547834}`, "undeclared_field"},
		{"wrong type", "s4", `{"celsius":"warm"}`, "wrong_type"},
		{"nested object", "s5", `{"celsius":{"value":21.5}}`, "wrong_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.svc.Ingest(ctx, dev, ingest.TransportHTTP, payload(tt.id, tt.values))
			if tt.wantReason == "" {
				if err != nil || !res.Stored {
					t.Fatalf("Ingest = %+v, %v; want stored", res, err)
				}
				return
			}
			if hearth.ErrorCode(err) != hearth.EREFUSED || hearth.ErrorField(err) != "values" || ingest.RefusalReason(err) != tt.wantReason {
				t.Errorf("Ingest error = %v (field %q, reason %q), want refused at values: %s", err, hearth.ErrorField(err), ingest.RefusalReason(err), tt.wantReason)
			}
		})
	}
	if rs, err := e.db.Readings(ctx, hearth.ReadingFilter{HouseholdID: e.Household}); err != nil || len(rs) != 1 {
		t.Errorf("stored readings = %d (%v), want only the declared one", len(rs), err)
	}
}

// RETENTION: a reading already older than its category's retention when it
// arrives is refused, not stored; the clock is injected.
func TestIngestPolicyRetention(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	e := newPolicyEnvAt(t, func() time.Time { return now })
	dev, _ := e.Device(t, true, hearth.ModeCloud)
	payload := func(id string, age time.Duration) []byte {
		return []byte(`{"id":"` + id + `","time":"` + now.Add(-age).Format(time.RFC3339) + `","category":"temperature","values":{"celsius":20}}`)
	}
	if res, err := e.svc.Ingest(ctx, dev, ingest.TransportHTTP, payload("r1", 29*24*time.Hour)); err != nil || !res.Stored {
		t.Fatalf("a 29-day-old reading (retention 30d) = %+v, %v; want stored", res, err)
	}
	_, err := e.svc.Ingest(ctx, dev, ingest.TransportHTTP, payload("r2", 31*24*time.Hour))
	if hearth.ErrorCode(err) != hearth.EREFUSED || hearth.ErrorField(err) != "time" || ingest.RefusalReason(err) != "past_retention" {
		t.Errorf("a 31-day-old reading = %v (field %q, reason %q), want refused past_retention at time", err, hearth.ErrorField(err), ingest.RefusalReason(err))
	}
	if rs, err := e.db.Readings(ctx, hearth.ReadingFilter{HouseholdID: e.Household}); err != nil || len(rs) != 1 {
		t.Errorf("stored readings = %d (%v), want 1", len(rs), err)
	}
}
