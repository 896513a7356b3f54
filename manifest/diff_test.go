package manifest_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
)

// edited parses the thermostat example after replacing old with new in its
// YAML (each pair once); the replacement must apply.
func edited(t *testing.T, pairs ...string) *manifest.Manifest {
	t.Helper()
	src := string(examples.Thermostat)
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(src, pairs[i]) {
			t.Fatalf("the thermostat manifest has no %q to replace", pairs[i])
		}
		src = strings.Replace(src, pairs[i], pairs[i+1], 1)
	}
	m, err := manifest.Parse("edited.yaml", []byte(src))
	if err != nil {
		t.Fatalf("parse edited manifest: %v", err)
	}
	return m
}

const newPurpose = `purposes:
  - id: comfort-ads
    name: Show offers for comfort products
    basis: consent
    marketing: true
    categories: [room-temperature]
`

// TestDiff: USAGE-CHANGE, CONSENT-MULTIUSER: every change in processing is
// found and stated in a sentence; CONSENT-OPTIN: a purpose added on consent
// is marked as needing consent.
func TestDiff(t *testing.T) {
	old := edited(t)
	tests := []struct {
		name      string
		pairs     []string
		want      []manifest.ChangeKind
		wantText  []string // substrings of the sentences
		wantNeeds []string // NewConsentPurposes
	}{
		{name: "same declaration"},
		{name: "only the version and support dates", pairs: []string{`version: "2025-06"`, `version: "2025-09"`, `support_end: "2031-12-31"`, `support_end: "2032-12-31"`}},
		{name: "consent purpose added", pairs: []string{"purposes:\n", newPurpose},
			want:     []manifest.ChangeKind{manifest.PurposeAdded},
			wantText: []string{`"Show offers for comfort products"`, `"Room temperature"`, "your consent", "stays off until you agree"}, wantNeeds: []string{"comfort-ads"}},
		{name: "purpose removed", pairs: []string{"  - id: energy-insights\n    name: Show", "  - id: x\n    name: Show", "purposes: [energy-insights]", "purposes: [x]"},
			want:     []manifest.ChangeKind{manifest.PurposeAdded, manifest.PurposeRemoved, manifest.FeatureChanged},
			wantText: []string{`no longer use data to "Show your heating history and energy-saving tips"`}, wantNeeds: []string{"x"}},
		{name: "retention changed", pairs: []string{"retention: 30d", "retention: 90d"},
			want: []manifest.ChangeKind{manifest.RetentionChanged}, wantText: []string{"now kept for 90 days instead of 30 days"}},
		{name: "basis changed to consent", pairs: []string{"basis: legitimate-interests", "basis: consent\n    explicit: I agree."},
			want: []manifest.ChangeKind{manifest.BasisChanged}, wantText: []string{"now relies on your consent"}, wantNeeds: []string{"device-security"}},
		{name: "purpose uses more data", pairs: []string{"categories: [room-temperature, setpoint, occupancy]", "categories: [room-temperature, setpoint, occupancy, humidity]"},
			want: []manifest.ChangeKind{manifest.PurposeChanged}, wantText: []string{`now also uses "Relative humidity"`}},
		{name: "recipient role changed", pairs: []string{"role: processor\n    categories: [home-area]", "role: independent-controller\n    categories: [home-area]"},
			want: []manifest.ChangeKind{manifest.RecipientChanged}, wantText: []string{"Forecast Co Ltd now receives", "independent controller"}},
		{name: "category added", pairs: []string{"categories:\n  - id: room-temperature", "categories:\n  - id: air-quality\n    name: Air quality\n    kind: personal\n    retention: 1y\n    values: [{field: ppm, type: number}]\n  - id: room-temperature",
			"categories: [device-health]\n    recipients: [cloud-host]", "categories: [device-health, air-quality]\n    recipients: [cloud-host]"},
			want: []manifest.ChangeKind{manifest.PurposeChanged, manifest.CategoryAdded}, wantText: []string{`New kind of data: "Air quality"`}},
		{name: "a category holds a new field", pairs: []string{"      - {field: celsius, type: number, unit: °C}\n  - id: humidity", "      - {field: celsius, type: number, unit: °C}\n      - {field: lux, type: number}\n  - id: humidity"},
			want: []manifest.ChangeKind{manifest.CategoryChanged}, wantText: []string{`"Room temperature" now also holds lux (number).`}},
		{name: "children no longer likely", pairs: []string{"children_likely: true", "children_likely: false"},
			want: []manifest.ChangeKind{manifest.ChildrenChanged}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := manifest.Diff(old, edited(t, tt.pairs...))
			var got []manifest.ChangeKind
			for _, it := range c.Items {
				got = append(got, it.Kind)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("kinds (-want +got):\n%s\ntext:\n%s", d, c.Text())
			}
			if got, want := c.Processing(), len(tt.want) > 0; got != want {
				t.Errorf("Processing() = %v, want %v", got, want)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(c.Text(), s) {
					t.Errorf("text %q lacks %q", c.Text(), s)
				}
			}
			if d := cmp.Diff(tt.wantNeeds, c.NewConsentPurposes()); d != "" {
				t.Errorf("NewConsentPurposes (-want +got):\n%s", d)
			}
		})
	}
}

// TestCanonicalRoundTrip: the recorded canonical JSON parses back to the
// same declaration, so the next start can diff against it.
func TestCanonicalRoundTrip(t *testing.T) {
	for _, ex := range examples.All() {
		t.Run(ex.Name, func(t *testing.T) {
			m, err := manifest.Parse(ex.Name, ex.Data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			b, err := m.Canonical()
			if err != nil {
				t.Fatalf("Canonical: %v", err)
			}
			back, err := manifest.Parse("recorded.json", b)
			if err != nil {
				t.Fatalf("Parse canonical JSON: %v", err)
			}
			if c := manifest.Diff(m, back); c.Processing() {
				t.Errorf("round trip changed processing:\n%s", c.Text())
			}
			b2, err := back.Canonical()
			if err != nil {
				t.Fatalf("Canonical: %v", err)
			}
			if !bytes.Equal(b, b2) {
				t.Errorf("canonical JSON differs after a round trip:\n%s\n%s", b, b2)
			}
		})
	}
}
