package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestManifestLint runs `hearth manifest lint` on the built binary: clean
// examples exit 0, a manifest breaking the rules exits 1 listing every
// problem as file:line: field: problem, a bad command line exits 2
// (CONSENT-NOT-PRECONDITION, BASIS-DECLARED, RIGHT-ADM).
func TestManifestLint(t *testing.T) {
	rules := filepath.Join("..", "..", "manifest", "testdata", "lint", "rules.yaml")
	examples, err := filepath.Glob(filepath.Join("..", "..", "examples", "*.yaml"))
	if err != nil || len(examples) != 3 {
		t.Fatalf("examples: %v, %v; want three files", examples, err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
	}{
		{"examples clean", append([]string{"manifest", "lint"}, examples...), 0, nil},
		{"benchmark manifest clean", []string{"manifest", "lint", filepath.Join("..", "..", "bench", "manifest.yaml")}, 0, nil},
		{"rules broken", []string{"manifest", "lint", rules}, 1, []string{
			rules + ":30: purposes[0].basis: a core-function purpose cannot rest on consent",
			rules + ":34: purposes[1].art9_condition: missing",
			rules + ":56: purposes[6].art22_basis: missing",
		}},
		{"missing file", []string{"manifest", "lint", "nope.yaml"}, 1, []string{"nope.yaml: cannot read"}},
		{"no file", []string{"manifest", "lint"}, 2, nil},
		{"help", []string{"manifest", "lint", "--help"}, 0, []string{"Usage: hearth manifest lint FILE..."}},
		{"unknown flag", []string{"manifest", "lint", "--fix", rules}, 2, nil},
		{"unknown subcommand", []string{"manifest", "fix"}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runHearth(t, context.Background(), tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d; stdout %s; stderr %s", code, tt.wantCode, stdout, stderr)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout %q does not contain %q", stdout, w)
				}
			}
			if tt.wantCode == 0 && tt.wantOut == nil && stdout != "" {
				t.Errorf("stdout %q, want nothing for clean manifests", stdout)
			}
		})
	}
}

// TestServeRefusesLintProblems checks that serve refuses a manifest that
// parses but breaks a lint rule (CONSENT-NOT-PRECONDITION).
func TestServeRefusesLintProblems(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "thermostat.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	doc := strings.Replace(string(data), "basis: contract\n    core: true", "basis: consent\n    core: true", 1)
	if err := os.WriteFile(bad, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runHearth(t, context.Background(), "serve", "--manifest", bad, "--data", t.TempDir())
	if want := "purposes[0].basis: a core-function purpose cannot rest on consent"; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("exit code %d, stderr %q; want 1 and %q", code, stderr, want)
	}
}

// TestNoticeCommand prints each form of the notice of the embedded example
// (NOTICE-LAYERED, NOTICE-AUDIENCE, TOS-DURATION).
func TestNoticeCommand(t *testing.T) {
	tests := []struct{ format, want string }{
		{"html", `<section id="rights">`},
		{"json", `"purposes": [`},
		{"text", "Ember Home Ltd privacy notice"},
		{"child", "Your data and"},
		{"terms", "Expected to last: 5 years"},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			code, stdout, stderr := runHearth(t, context.Background(), "notice", "--format", tt.format)
			if code != 0 || !strings.Contains(stdout, tt.want) {
				t.Errorf("exit code %d, stdout contains %q: %v; stderr %s", code, tt.want, strings.Contains(stdout, tt.want), stderr)
			}
		})
	}
	if code, _, _ := runHearth(t, context.Background(), "notice", "--format", "pdf"); code != 2 {
		t.Errorf("--format pdf: exit code %d, want 2", code)
	}
}

// TestRecordsCommand prints the record of processing activities and the
// DPIA screening of the embedded example and of a manifest file, in both
// formats, to stdout and to --out (RECORDS).
func TestRecordsCommand(t *testing.T) {
	code, stdout, stderr := runHearth(t, context.Background(), "records")
	if code != 0 || !strings.Contains(stdout, "# Record of processing activities: Ember T1 smart thermostat") ||
		!strings.Contains(stdout, "| Offering the product to children, or children likely to use it (`children`;") {
		t.Errorf("records: exit code %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	out := filepath.Join(t.TempDir(), "records.html")
	speaker := filepath.Join("..", "..", "examples", "smart-speaker.yaml")
	code, _, stderr = runHearth(t, context.Background(), "records", "--manifest", speaker, "--format", "html", "--out", out)
	if code != 0 {
		t.Fatalf("records --format html --out: exit code %d, stderr %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := `<tr id="criterion-biometric-genetic"><td>Biometric data to identify people, or genetic data (<code>biometric-genetic</code>; the ICO&#39;s list of processing that requires a DPIA)</td><td><strong>met</strong>`; !strings.Contains(string(b), want) {
		t.Errorf("records HTML of the smart speaker lacks %q", want)
	}
	if code, _, stderr := runHearth(t, context.Background(), "records", "--format", "pdf"); code != 2 || !strings.Contains(stderr, `--format "pdf": use md or html`) {
		t.Errorf("--format pdf: exit code %d, stderr %q; want 2", code, stderr)
	}
}
