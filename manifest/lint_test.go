package manifest_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the current output")

// golden compares got with the golden file at path, or rewrites it with
// -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatalf("update golden file: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./manifest -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got); run go test ./manifest -update if the change is intended:\n%s", path, diff)
	}
}

// TestLintGolden checks the messages of every rule against
// testdata/lint/*.golden, and that all problems come at once, each with its
// line. rules.yaml breaks each lint rule: BASIS-DECLARED, CONSENT-EXPLICIT,
// CONSENT-NOT-PRECONDITION, CONSENT-OPTIN, MIN-GATE (a category no purpose
// uses), ADS-CONSENT, PECR-TERMINAL, RIGHT-ADM, DEFAULT-PRIVATE,
// MIN-LOCATION, USAGE-CHANGE, NOTICE-CONTENT, RIGHT-ERASE, TOS-DURATION,
// LIFETIME-CLEAR; structure.yaml breaks the structural rules of Parse
// (references, enumerations, dates, periods: RETENTION-style bounds).
func TestLintGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/lint/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test manifests in testdata/lint: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m, ps := manifest.Check(f, data)
			if m != nil || len(ps) == 0 {
				t.Fatalf("Check = %v, %d problems; want nil and problems", m != nil, len(ps))
			}
			golden(t, strings.TrimSuffix(f, ".yaml")+".golden", ps.Error()+"\n")
		})
	}
}

// TestLintRules checks each rule on its own, from the clean thermostat
// example with one change, so a rule that stops firing fails here.
func TestLintRules(t *testing.T) {
	base := string(examples.Thermostat)
	tests := []struct {
		name, old, new, want string
	}{
		{"core on consent (CONSENT-NOT-PRECONDITION)", "basis: contract\n    core: true", "basis: consent\n    core: true",
			"purposes[0].basis: a core-function purpose cannot rest on consent"},
		{"unused category (MIN-GATE)", "categories: [device-health]\n    recipients", "categories: [room-temperature]\n    recipients",
			`categories[5].id: no purpose uses category "device-health"`},
		{"profiling not on consent (ADS-CONSENT)", "basis: legitimate-interests\n    core: true", "basis: legitimate-interests\n    profiling: true\n    effect: x",
			"purposes[3].basis: profiling needs consent"},
		{"device access not on consent (PECR-TERMINAL)", "basis: legitimate-interests\n    core: true", "basis: legitimate-interests\n    device_access: true",
			"purposes[3].basis: storing or reading information on the device"},
		{"automated decision without basis (RIGHT-ADM)", "basis: contract\n    core: true", "basis: contract\n    core: true\n    automated_decision: true\n    effect: x",
			"purposes[0].art22_basis: missing"},
		{"children and location on by default (DEFAULT-PRIVATE, MIN-LOCATION)", "purposes: [weather-compensation]\n", "purposes: [weather-compensation]\n    default_on: true\n",
			"features[1].default_on: children are likely users"},
		{"special without condition (BASIS-DECLARED)", "kind: personal\n    retention: 30d", "kind: special\n    special_type: health\n    retention: 30d",
			"purposes[0].art9_condition: missing: the purpose uses special category data (occupancy)"},
		{"terms without duration (TOS-DURATION)", "    expected_duration: 5y\n", "",
			"terms[0].expected_duration: missing"},
		{"no service lifetime (LIFETIME-CLEAR)", "    service_lifetime: 12y\n", "",
			"models[0].service_lifetime: missing"},
		{"no role", "role: processor\n    categories: [device-health]", "categories: [device-health]",
			`recipients[0].role: "" is not a role`},
		{"transfer without safeguard (RECORDS)", "location: United Kingdom\n    description: Provides", "location: United States\n    description: Provides",
			`recipients[1].transfer: missing: "United States" is outside the United Kingdom`},
		{"transfer without location (RECORDS)", "location: United Kingdom\n    description: Provides", "transfer: UK adequacy regulations\n    description: Provides",
			"recipients[1].location: missing: a transfer is declared"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := replaced(t, base, tt.old, tt.new)
			_, ps := manifest.Check("t.yaml", []byte(doc))
			if got := ps.Error(); !strings.Contains(got, tt.want) {
				t.Errorf("problems = %q, want one containing %q", got, tt.want)
			}
		})
	}
}

// replaced returns base with old replaced by new once, and fails the test if
// old is not there.
func replaced(t *testing.T, base, old, new string) string {
	t.Helper()
	doc := strings.Replace(base, old, new, 1)
	if doc == base {
		t.Fatalf("the test's edit %q did not apply", old)
	}
	return doc
}

// TestLintCleanIsNil checks that a clean manifest has no problems and that
// Parse alone does not apply the lint rules (other packages parse small
// test manifests).
func TestLintCleanIsNil(t *testing.T) {
	m, err := manifest.Parse("m.yaml", []byte(valid))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if ps := manifest.Lint(m); len(ps) == 0 {
		t.Error("Lint(minimal manifest) = no problems, want some (no contact, no lifetime)")
	}
	e, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if ps := manifest.Lint(e); ps != nil {
		t.Errorf("Lint(thermostat) = %v, want nil", ps)
	}
}

// TestLintSecurityPurpose: SEC-MONITOR: what is collected for security is
// a purpose of its own, and lint refuses one that shares a category with
// another purpose, keeps it longer than MaxSecurityRetention, collects
// more than technical data or serves other ends; a manifest without one
// gets a warning. Each case is the clean thermostat example with one
// change.
func TestLintSecurityPurpose(t *testing.T) {
	base := string(examples.Thermostat)
	const sec = "purposes[3]"
	tests := []struct {
		name, old, new, want string
		warning              bool
	}{
		{"category shared with another purpose", "categories: [room-temperature, humidity, setpoint, occupancy]\n  - id: weather",
			"categories: [room-temperature, humidity, setpoint, occupancy, device-health]\n  - id: weather",
			sec + `.categories[0]: category "device-health" of the security purpose is also used by heating-control`, false},
		{"kept longer than 180 days", "kind: technical\n    retention: 90d", "kind: technical\n    retention: 181d",
			sec + `.categories[0]: category "device-health" of the security purpose is kept 181d: security data is kept at most 180 days`, false},
		{"kept a year", "kind: technical\n    retention: 90d", "kind: technical\n    retention: 1y",
			sec + `.categories[0]: category "device-health" of the security purpose is kept 1y`, false},
		{"personal data", "kind: technical\n    retention: 90d", "kind: personal\n    retention: 90d",
			sec + `.categories[0]: category "device-health" of the security purpose is personal data`, false},
		{"profiling", "    security: true\n", "    security: true\n    profiling: true\n    effect: x\n",
			sec + ".security: a security purpose serves security only: remove profiling", false},
		{"no security purpose", "    security: true\n", "",
			"purposes: warning: no purpose has security: true", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := replaced(t, base, tt.old, tt.new)
			m, ps := manifest.Check("t.yaml", []byte(doc))
			if got := ps.Error(); !strings.Contains(got, tt.want) || !strings.Contains(got, "(SEC-MONITOR)") {
				t.Errorf("problems = %q, want one containing %q", got, tt.want)
			}
			if accepted := m != nil; accepted != tt.warning {
				t.Errorf("manifest accepted = %v, want %v (only the missing purpose is a warning)", accepted, tt.warning)
			}
		})
	}
	t.Run("180 days is allowed", func(t *testing.T) {
		doc := replaced(t, base, "kind: technical\n    retention: 90d", "kind: technical\n    retention: 6mo")
		if _, ps := manifest.Check("t.yaml", []byte(doc)); ps != nil {
			t.Errorf("problems = %v, want none", ps)
		}
	})
}

// TestShippedManifestsDeclareSecurity: SEC-MONITOR: every manifest Hearth
// ships (the examples and the benchmark's) declares exactly one security
// purpose and passes lint.
func TestShippedManifestsDeclareSecurity(t *testing.T) {
	bench, err := os.ReadFile("../bench/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	all := append(examples.All(), examples.Example{Name: "bench/manifest.yaml", Data: bench})
	for _, ex := range all {
		t.Run(ex.Name, func(t *testing.T) {
			m, ps := manifest.Check(ex.Name, ex.Data)
			if m == nil || ps != nil {
				t.Fatalf("Check: %v", ps)
			}
			var n int
			for _, p := range m.Purposes {
				if p.Security {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d security purposes, want 1", n)
			}
		})
	}
}
