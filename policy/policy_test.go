package policy_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// compile parses and compiles a manifest file, failing the test on error.
func compile(t testing.TB, path string, edits ...string) *policy.Engine {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	doc := strings.NewReplacer(edits...).Replace(string(data))
	m, err := manifest.Parse(path, []byte(doc))
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	e, err := policy.Compile(m)
	if err != nil {
		t.Fatalf("compile %s: %v", path, err)
	}
	return e
}

func rules(t testing.TB, edits ...string) *policy.Engine {
	t.Helper()
	return compile(t, "testdata/rules.yaml", edits...)
}

// state describes a Subject by purpose and feature IDs.
type state struct {
	consented, refused, enabled, restricted, objected, adm, features []string

	restrictAll, objectMarketing, child bool
	mode                                hearth.DeviceMode
	location                            policy.Granularity
}

func (st state) subject(t testing.TB, e *policy.Engine) *policy.Subject {
	t.Helper()
	bits := func(ids []string) policy.Bits {
		b, err := e.PurposeBits(ids...)
		if err != nil {
			t.Fatalf("PurposeBits(%v): %v", ids, err)
		}
		return b
	}
	features, err := e.FeatureBits(st.features...)
	if err != nil {
		t.Fatalf("FeatureBits(%v): %v", st.features, err)
	}
	return &policy.Subject{
		Consented: bits(st.consented), Refused: bits(st.refused), Enabled: bits(st.enabled),
		Restricted: bits(st.restricted), Objected: bits(st.objected), ADMOptOut: bits(st.adm),
		RestrictAll: st.restrictAll, ObjectMarketing: st.objectMarketing, Child: st.child,
		Mode: st.mode, Features: features, Location: st.location,
	}
}

// want is an expected decision, naming its purpose by ID ("" for none).
type want struct {
	allow   bool
	reason  policy.Reason
	purpose string
}

func check(t *testing.T, e *policy.Engine, got policy.Decision, w want) {
	t.Helper()
	if got.Allow != w.allow || got.Reason != w.reason || e.PurposeID(got.Purpose) != w.purpose {
		t.Errorf("decision = {%v, %q, %q}, want {%v, %q, %q}",
			got.Allow, got.Reason, e.PurposeID(got.Purpose), w.allow, w.reason, w.purpose)
	}
}

func TestIngest(t *testing.T) {
	e := rules(t)
	tests := []struct {
		name     string
		st       state
		category string
		want     want
	}{
		// MIN-GATE: an undeclared category is refused.
		{"undeclared category", state{}, "weight", want{false, policy.ReasonUndeclaredCategory, ""}},
		// MIN-GATE: a category no purpose uses is never stored.
		{"category no purpose uses", state{}, "spare", want{false, policy.ReasonNoActivePurpose, ""}},
		// CONSENT-NOT-PRECONDITION, CORE-STABLE: a core purpose needs no consent.
		{"core purpose without consent", state{}, "temp", want{true, policy.ReasonActive, "heating"}},
		// LOCAL-ONLY: nothing is stored from a local-only device.
		{"local-only device", state{mode: hearth.ModeLocalOnly}, "temp", want{false, policy.ReasonLocalOnly, ""}},
		{"cloud device", state{mode: hearth.ModeCloud}, "temp", want{true, policy.ReasonActive, "heating"}},
		// RIGHT-RESTRICT: restricting everything stops ingestion.
		{"restrict all", state{restrictAll: true, consented: []string{"insights"}}, "temp", want{false, policy.ReasonRestrictedAll, "heating"}},
		// RIGHT-RESTRICT: a restricted purpose does not count.
		{"restricted purpose", state{restricted: []string{"heating"}}, "temp", want{false, policy.ReasonRestricted, "heating"}},
		// MIN-GATE: another active purpose using the category allows it.
		{"restricted purpose, another consented", state{restricted: []string{"heating"}, consented: []string{"insights"}}, "temp", want{true, policy.ReasonActive, "insights"}},
		// CONSENT-OPTIN: special data on consent is refused until consent.
		{"no consent", state{}, "heart-rate", want{false, policy.ReasonNoConsent, "heart"}},
		{"consent given", state{consented: []string{"heart"}}, "heart-rate", want{true, policy.ReasonActive, "heart"}},
		// CONSENT-WITHDRAW: refused or withdrawn consent stops ingestion.
		{"consent withdrawn", state{refused: []string{"heart", "heart-nostmt"}}, "heart-rate", want{false, policy.ReasonConsentRefused, "heart"}},
		// CONSENT-MULTIUSER: another purpose's consent does not cover this one.
		{"consent for another purpose", state{consented: []string{"insights"}}, "heart-rate", want{false, policy.ReasonNoConsent, "heart"}},
		// DEFAULT-PRIVATE: an optional purpose is off until switched on.
		{"optional purpose off", state{}, "usage", want{false, policy.ReasonSwitchedOff, "tips"}},
		{"optional purpose on", state{enabled: []string{"tips"}}, "usage", want{true, policy.ReasonActive, "tips"}},
		// RIGHT-OBJECT: an objection stops a legitimate-interests purpose.
		{"objected core purpose, other off", state{objected: []string{"security"}}, "device-health", want{false, policy.ReasonObjected, "security"}},
		{"objected core purpose, other on", state{objected: []string{"security"}, enabled: []string{"analytics"}}, "device-health", want{true, policy.ReasonActive, "analytics"}},
		// RIGHT-OBJECT-MKT: the marketing switch stops advertising too.
		{"advertising on", state{enabled: []string{"ads-li"}}, "usage", want{true, policy.ReasonActive, "ads-li"}},
		{"advertising after marketing objection", state{enabled: []string{"ads-li"}, objectMarketing: true}, "usage", want{false, policy.ReasonSwitchedOff, "tips"}},
		// DEFAULT-PRIVATE: a child never gets advertising not on consent.
		{"advertising for a child", state{enabled: []string{"ads-li"}, child: true}, "usage", want{false, policy.ReasonSwitchedOff, "tips"}},
		// RIGHT-ADM: data only an opted-out decision uses is not collected.
		{"automated decision on", state{enabled: []string{"scoring"}}, "usage", want{true, policy.ReasonActive, "scoring"}},
		{"automated decision opted out", state{enabled: []string{"scoring"}, adm: []string{"scoring"}}, "usage", want{false, policy.ReasonSwitchedOff, "tips"}},
		// MIN-LOCATION: location is off until switched on.
		{"location off", state{features: []string{"away-mode"}}, "location", want{false, policy.ReasonLocationOff, ""}},
		{"location on, feature off", state{location: policy.GranularityCity}, "location", want{false, policy.ReasonFeatureOff, "geofence"}},
		{"location on, feature on", state{location: policy.GranularityCity, features: []string{"away-mode"}}, "location", want{true, policy.ReasonActive, "geofence"}},
		// CONSENT-MOMENTS: a feature's consent purpose needs both the feature and consent.
		{"feature on, no consent", state{features: []string{"voice"}}, "voice", want{false, policy.ReasonNoConsent, "voice-id"}},
		{"consent, feature off", state{consented: []string{"voice-id"}}, "voice", want{false, policy.ReasonFeatureOff, "voice-id"}},
		{"feature on and consent", state{consented: []string{"voice-id"}, features: []string{"voice"}}, "voice", want{true, policy.ReasonActive, "voice-id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, e, e.Ingest(tt.st.subject(t, e), tt.category, now), tt.want)
		})
	}
}

func TestRead(t *testing.T) {
	e := rules(t)
	tests := []struct {
		name              string
		st                state
		purpose, category string
		want              want
	}{
		// MIN-GATE: every read names a declared purpose that uses the data.
		{"unknown purpose", state{}, "resale", "temp", want{false, policy.ReasonUnknownPurpose, ""}},
		{"undeclared category", state{}, "heating", "weight", want{false, policy.ReasonUndeclaredCategory, "heating"}},
		{"purpose does not use category", state{}, "heating", "heart-rate", want{false, policy.ReasonNotUsedByPurpose, "heating"}},
		{"core purpose", state{}, "heating", "temp", want{true, policy.ReasonActive, "heating"}},
		// CONSENT-OPTIN, CONSENT-WITHDRAW
		{"no consent", state{}, "insights", "temp", want{false, policy.ReasonNoConsent, "insights"}},
		{"consent given", state{consented: []string{"insights"}}, "insights", "temp", want{true, policy.ReasonActive, "insights"}},
		{"consent withdrawn", state{refused: []string{"insights"}}, "insights", "temp", want{false, policy.ReasonConsentRefused, "insights"}},
		// RIGHT-RESTRICT
		{"restricted purpose", state{consented: []string{"insights"}, restricted: []string{"insights"}}, "insights", "temp", want{false, policy.ReasonRestricted, "insights"}},
		{"restrict all", state{restrictAll: true}, "heating", "temp", want{false, policy.ReasonRestrictedAll, "heating"}},
		// RIGHT-OBJECT-MKT: one switch, whatever the consent or basis.
		{"marketing consented", state{consented: []string{"marketing"}}, "marketing", "usage", want{true, policy.ReasonActive, "marketing"}},
		{"marketing objected", state{consented: []string{"marketing"}, objectMarketing: true}, "marketing", "usage", want{false, policy.ReasonObjectedMarketing, "marketing"}},
		{"advertising objected", state{enabled: []string{"ads-li"}, objectMarketing: true}, "ads-li", "usage", want{false, policy.ReasonObjectedMarketing, "ads-li"}},
		// RIGHT-OBJECT: objection to legitimate interests and to profiling.
		{"legitimate interests objected", state{enabled: []string{"tips"}, objected: []string{"tips"}}, "tips", "usage", want{false, policy.ReasonObjected, "tips"}},
		{"profiling objected", state{consented: []string{"profile"}, objected: []string{"profile"}}, "profile", "usage", want{false, policy.ReasonObjected, "profile"}},
		// RIGHT-ADM: the opt-out blocks the automated decision.
		{"automated decision", state{enabled: []string{"scoring"}}, "scoring", "usage", want{true, policy.ReasonActive, "scoring"}},
		{"automated decision opted out", state{enabled: []string{"scoring"}, adm: []string{"scoring"}}, "scoring", "usage", want{false, policy.ReasonADMOptOut, "scoring"}},
		{"opt-out of another purpose", state{enabled: []string{"scoring"}, adm: []string{"tips"}}, "scoring", "usage", want{true, policy.ReasonActive, "scoring"}},
		// DEFAULT-PRIVATE, ADS-CONSENT: high privacy for a child.
		{"child advertising", state{enabled: []string{"ads-li"}, child: true}, "ads-li", "usage", want{false, policy.ReasonChildHighPrivacy, "ads-li"}},
		// CONSENT-CHILD: profiling on consent needs the guardian's consent, then works.
		{"child profiling without consent", state{child: true}, "profile", "usage", want{false, policy.ReasonNoConsent, "profile"}},
		{"child profiling with guardian's consent", state{child: true, consented: []string{"profile"}}, "profile", "usage", want{true, policy.ReasonActive, "profile"}},
		// DEFAULT-PRIVATE: optional purposes are off until switched on.
		{"optional purpose off", state{}, "analytics", "device-health", want{false, policy.ReasonSwitchedOff, "analytics"}},
		// Mode and location setting stop collection, not reads of stored data.
		{"local-only device", state{mode: hearth.ModeLocalOnly}, "heating", "temp", want{true, policy.ReasonActive, "heating"}},
		{"location off", state{features: []string{"away-mode"}}, "geofence", "location", want{true, policy.ReasonActive, "geofence"}},
		{"feature off", state{}, "geofence", "location", want{false, policy.ReasonFeatureOff, "geofence"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.st.subject(t, e)
			check(t, e, e.Read(s, tt.purpose, tt.category, now), tt.want)
			if tt.category == "temp" || tt.want.reason != policy.ReasonNotUsedByPurpose && tt.want.reason != policy.ReasonUndeclaredCategory {
				a := e.Active(s, tt.purpose)
				if a.Allow != tt.want.allow || a.Reason != tt.want.reason {
					t.Errorf("Active(%s) = {%v, %q}, want the same as Read", tt.purpose, a.Allow, a.Reason)
				}
			}
		})
	}
}

// TestWithdrawEffectiveNext shows that a decision follows the subject's
// state at once: consent, then withdrawal, then the next reading is
// refused (CONSENT-WITHDRAW).
func TestWithdrawEffectiveNext(t *testing.T) {
	e := rules(t)
	var s policy.Subject
	steps := []struct {
		name string
		act  func(heart int)
		want bool
	}{
		{"before consent", func(int) {}, false},
		{"consent given", func(p int) { s.Consented.Set(p) }, true},
		{"consent withdrawn", func(p int) { s.Consented.Clear(p); s.Refused.Set(p) }, false},
	}
	heart, ok := e.PurposeIndex("heart")
	if !ok {
		t.Fatal(`PurposeIndex("heart") not found`)
	}
	for _, st := range steps {
		st.act(heart)
		if got := e.Ingest(&s, "heart-rate", now).Allow; got != st.want {
			t.Errorf("%s: Ingest allow = %v, want %v", st.name, got, st.want)
		}
	}
}

func TestDefaults(t *testing.T) {
	tests := []struct {
		name           string
		childrenLikely string
		enabled        []string
		features       []string
		location       policy.Granularity
	}{
		// DEFAULT-PRIVATE, CONSENT-OPTIN: only default_on optional purposes
		// and features; location at the coarsest precision the default
		// feature offers.
		{"adults", "false", []string{"analytics", "ads-li"}, []string{"away-mode"}, policy.GranularityRegion},
		// DEFAULT-PRIVATE, MIN-LOCATION: high privacy where children are
		// likely: no advertising, no location feature, location off.
		{"children likely", "true", []string{"analytics"}, nil, policy.GranularityOff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := rules(t, "children_likely: false", "children_likely: "+tt.childrenLikely)
			s := e.Defaults()
			if !s.Consented.IsZero() {
				t.Errorf("Consented = %v, want none (CONSENT-OPTIN)", e.PurposeIDs(s.Consented))
			}
			if got := e.PurposeIDs(s.Enabled); strings.Join(got, ",") != strings.Join(tt.enabled, ",") {
				t.Errorf("Enabled = %v, want %v", got, tt.enabled)
			}
			wantF, _ := e.FeatureBits(tt.features...)
			if s.Features != wantF {
				t.Errorf("Features = %v, want %v", s.Features, wantF)
			}
			if s.Location != tt.location {
				t.Errorf("Location = %v, want %v", s.Location, tt.location)
			}
			for _, p := range e.PurposeIDs(e.ConsentPurposes()) {
				if d := e.Active(&s, p); d.Allow {
					t.Errorf("Active(%s) allowed for a new person, want refused (CONSENT-OPTIN)", p)
				}
			}
			if d := e.Ingest(&s, "temp", now); !d.Allow {
				t.Errorf("Ingest(temp) refused for a new person: %v, want the core function to work", d.Reason)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	many := &manifest.Manifest{Categories: []manifest.Category{{ID: "c", Kind: "personal"}}}
	for i := 0; i <= policy.MaxPurposes; i++ {
		many.Purposes = append(many.Purposes, manifest.Purpose{ID: "p" + strings.Repeat("x", i), Basis: "contract", Categories: []string{"c"}})
	}
	tests := []struct {
		name string
		m    *manifest.Manifest
	}{
		{"nil manifest", nil},
		{"too many purposes", many},
		{"undeclared category", &manifest.Manifest{Purposes: []manifest.Purpose{{ID: "p", Categories: []string{"c"}}}}},
		{"undeclared purpose", &manifest.Manifest{Features: []manifest.Feature{{ID: "f", Purposes: []string{"p"}}}}},
		{"bad granularity", &manifest.Manifest{Categories: []manifest.Category{{ID: "c", Kind: "location", Granularities: []string{"house"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := policy.Compile(tt.m)
			if e != nil || hearth.ErrorCode(err) != hearth.EINVALID {
				t.Errorf("Compile = %v, %v; want nil and an EINVALID error", e, err)
			}
		})
	}
}

func TestPurposeBitsUnknown(t *testing.T) {
	e := rules(t)
	if _, err := e.PurposeBits("heating", "resale"); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("PurposeBits(resale) error = %v, want EINVALID", err)
	}
	if _, err := e.FeatureBits("teleport"); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("FeatureBits(teleport) error = %v, want EINVALID", err)
	}
}

func TestFeaturePurposes(t *testing.T) {
	e := rules(t)
	got, ok := e.FeaturePurposes("voice")
	if want, _ := e.PurposeBits("voice-id"); !ok || got != want {
		t.Errorf("FeaturePurposes(voice) = %v, %v; want %v, true", e.PurposeIDs(got), ok, e.PurposeIDs(want))
	}
	if _, ok := e.FeaturePurposes("teleport"); ok {
		t.Error("FeaturePurposes(teleport) found, want not declared")
	}
	s := state{consented: []string{"heart"}}.subject(t, e)
	for _, tt := range []struct {
		feature string
		want    []string
		ok      bool
	}{
		// CONSENT-MOMENTS: switching a feature on asks for its missing consents.
		{"voice", []string{"voice-id"}, true},
		{"away-mode", nil, true},
		{"teleport", nil, false},
	} {
		got, ok := e.ConsentsNeeded(s, tt.feature)
		if ids := e.PurposeIDs(got); strings.Join(ids, ",") != strings.Join(tt.want, ",") || ok != tt.ok {
			t.Errorf("ConsentsNeeded(%s) = %v, %v; want %v, %v", tt.feature, ids, ok, tt.want, tt.ok)
		}
	}
	if got, want := e.PurposeIDs(e.PurposesUsing("heart-rate")), "heart,heart-nostmt"; strings.Join(got, ",") != want {
		t.Errorf("PurposesUsing(heart-rate) = %v, want %s", got, want)
	}
}

// TestAllocs shows the hot-path decisions allocate nothing (issue 3's
// benchmark target); a count, not a timing.
func TestAllocs(t *testing.T) {
	e := rules(t)
	s := state{consented: []string{"heart"}, location: policy.GranularityCity, features: []string{"away-mode"}}.subject(t, e)
	for name, f := range map[string]func(){
		"Ingest allowed": func() { e.Ingest(s, "heart-rate", now) },
		"Ingest refused": func() { e.Ingest(s, "usage", now) },
		"Read":           func() { e.Read(s, "insights", "temp", now) },
		"Location":       func() { e.LocationPrecision(s, "location") },
		"Reason.String":  func() { _ = policy.ReasonNoConsent.String() },
	} {
		if got := testing.AllocsPerRun(100, f); got != 0 {
			t.Errorf("%s: %v allocs per run, want 0", name, got)
		}
	}
}
