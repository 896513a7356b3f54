package manifest_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
)

const valid = `format: 1
version: "1"
controller:
  name: Acme
models:
  - id: t1
    support_end: "2030-01-31"
    categories: [temp]
categories:
  - id: temp
    kind: personal
    retention: 30d
    values: [{field: celsius, type: number, unit: °C}]
purposes:
  - id: heat
    basis: contract
    categories: [temp]
`

func TestParseValid(t *testing.T) {
	m, err := manifest.Parse("m.yaml", []byte(valid))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	c, ok := m.Category("temp")
	if !ok {
		t.Fatal(`Category("temp") not found`)
	}
	if got, want := c.RetentionPeriod(), 30*24*time.Hour; got != want {
		t.Errorf("RetentionPeriod = %v, want %v", got, want)
	}
	d, ok := m.Model("t1")
	if !ok {
		t.Fatal(`Model("t1") not found`)
	}
	if got, want := d.SupportEndDate(), time.Date(2030, 1, 31, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("SupportEndDate = %v, want %v", got, want)
	}
	if _, ok := m.Category("nope"); ok {
		t.Error(`Category("nope") found, want not declared`)
	}
}

func TestParseJSON(t *testing.T) {
	doc := `{"format": 1, "version": "1", "controller": {"name": "Acme"},
 "models": [{"id": "t1", "support_end": "2030-01-31", "categories": ["temp"]}],
 "categories": [{"id": "temp", "kind": "technical", "retention": "12h", "values": [{"field": "c", "type": "number"}]}]}`
	if _, err := manifest.Parse("m.json", []byte(doc)); err != nil {
		t.Fatalf("Parse: %v", err)
	}
}

// TestParseProblems checks that every problem is reported at once, each
// with its line and field (BASIS-DECLARED, LIFETIME-CLEAR, MIN-GATE: every
// category a model or purpose names must be declared).
func TestParseProblems(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"empty", "", []string{"m.yaml:1: the manifest is empty"}},
		{"syntax", "format: [1\n", []string{"m.yaml:1: invalid YAML: did not find expected ',' or ']'"}},
		{"wrong type and unknown field", strings.Replace(valid, "format: 1", "format: one\ncolour: red", 1), []string{
			"m.yaml:1: cannot unmarshal !!str `one` into int",
			"m.yaml:1: format: unsupported format 0; this Hearth reads format 1",
			"m.yaml:2: colour: unknown field: remove it or check its spelling (docs/manifest.md lists the fields)",
		}},
		{"unknown nested field", strings.Replace(valid, "    retention: 30d\n", "    retention: 30d\n    colour: red\n", 1), []string{
			"m.yaml:13: categories[0].colour: unknown field: remove it or check its spelling (docs/manifest.md lists the fields)",
		}},
		{"everything wrong", `format: 2
controller: {}
models:
  - id: t1
    support_end: soon
    categories: [temp, pressure]
  - id: t1
categories:
  - id: temp
    kind: secret
    retention: forever
  - id: "bad id"
    kind: technical
    retention: 0d
purposes:
  - id: heat
    categories: [wind]
`, []string{
			"m.yaml:1: format: unsupported format 2; this Hearth reads format 1",
			"m.yaml:1: version: missing: name this version of the declaration, such as 2025-01",
			"m.yaml:2: controller.name: missing: name the organisation responsible for the processing",
			`m.yaml:5: models[0].support_end: "soon" is not a date: give the last day of security updates as YYYY-MM-DD`,
			`m.yaml:6: models[0].categories[1]: category "pressure" is not declared in categories`,
			`m.yaml:7: models[1].id: "t1" is declared twice`,
			`m.yaml:7: models[1].support_end: "" is not a date: give the last day of security updates as YYYY-MM-DD`,
			"m.yaml:7: models[1].categories: missing: list at least one category",
			"m.yaml:9: categories[0].values: missing: declare the fields of this category's values, such as [{field: celsius, type: number, unit: °C}] (MIN-GATE)",
			`m.yaml:10: categories[0].kind: "secret" is not a kind; use one of personal, special, location, technical`,
			`m.yaml:11: categories[0].retention: "forever" is not a retention period: give a whole number and a unit h, d, w, mo or y, such as 30d`,
			`m.yaml:12: categories[1].id: "bad id" is not an identifier: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
			"m.yaml:12: categories[1].values: missing: declare the fields of this category's values, such as [{field: celsius, type: number, unit: °C}] (MIN-GATE)",
			`m.yaml:14: categories[1].retention: "0d" is zero: give a positive retention period`,
			`m.yaml:16: purposes[0].basis: "" is not a lawful basis; use one of consent, contract, legal-obligation, vital-interests, public-task, legitimate-interests`,
			`m.yaml:17: purposes[0].categories[0]: category "wind" is not declared in categories`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := manifest.Parse("m.yaml", []byte(tt.doc))
			if m != nil {
				t.Errorf("Parse returned a manifest, want nil")
			}
			var ps manifest.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("Parse error = %v, want Problems", err)
			}
			got := strings.Split(ps.Error(), "\n")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRetention(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"12h", 12 * time.Hour, false},
		{"30d", 30 * day, false},
		{"2w", 14 * day, false},
		{"6mo", 180 * day, false},
		{"1y", 365 * day, false},
		{"10y", 3650 * day, false},
		{"11y", 0, true},
		{"0d", 0, true},
		{"", 0, true},
		{"forever", 0, true},
		{"-1d", 0, true},
		{"1.5d", 0, true},
		{"30", 0, true},
		{"30D", 0, true},
		{"9999999d", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := manifest.ParseRetention(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseRetention(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseRetention(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	if _, err := manifest.Load(t.TempDir() + "/none.yaml"); err == nil {
		t.Fatal("Load of a missing file: no error, want one")
	}
}

// FuzzParse checks that no input makes the parser panic, that every
// failure is a list of problems, and that an accepted manifest indexes
// every category and model it declares.
func FuzzParse(f *testing.F) {
	f.Add([]byte(valid))
	f.Add([]byte(""))
	f.Add([]byte("format: [1\n"))
	f.Add([]byte(`{"format": 1, "categories": [{"id": "a"}]}`))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add(examples.SmartSpeaker)
	f.Add(examples.FitnessTracker)
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, ps := manifest.Check("f.yaml", data); ps != nil && len(ps) == 0 {
			t.Fatal("Check returned empty, non-nil Problems")
		}
		m, err := manifest.Parse("f.yaml", data)
		if err != nil {
			var ps manifest.Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error %v is not a non-empty Problems", err)
			}
			return
		}
		for _, c := range m.Categories {
			if got, ok := m.Category(c.ID); !ok || got.ID != c.ID {
				t.Errorf("Category(%q) = %v, %v; want it indexed", c.ID, got, ok)
			}
			if c.RetentionPeriod() <= 0 {
				t.Errorf("category %q retention %v, want positive", c.ID, c.RetentionPeriod())
			}
		}
		for _, d := range m.Models {
			if _, ok := m.Model(d.ID); !ok {
				t.Errorf("Model(%q) not indexed", d.ID)
			}
		}
		for _, p := range m.Purposes {
			if _, ok := m.Purpose(p.ID); !ok {
				t.Errorf("Purpose(%q) not indexed", p.ID)
			}
		}
		_ = manifest.Lint(m)
		_ = manifest.Notice(m)
	})
}
