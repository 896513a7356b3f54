package compliance_test

import (
	"os"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/compliance"
)

// TestRequirementsEmbedded parses the embedded copy of REQUIREMENTS.md:
// every row has an ID, a section, a strength, the requirement and what
// shows it; and when the project's original is next to the repository
// (../shared, not on a fresh clone), the copy is the same.
func TestRequirementsEmbedded(t *testing.T) {
	rs := compliance.Requirements()
	if len(rs) < 60 {
		t.Fatalf("%d requirements, want the whole list", len(rs))
	}
	byID := map[string]compliance.Requirement{}
	for _, r := range rs {
		byID[r.ID] = r
	}
	if r := byID["RECORDS"]; r.Strength != "S" || !strings.HasPrefix(r.Section, "3. Transparency") || r.ShownBy != "generated documents" {
		t.Errorf("RECORDS = %+v", r)
	}
	orig, err := os.ReadFile("../../../shared/REQUIREMENTS.md")
	if err != nil {
		t.Logf("no original to compare with: %v", err)
		return
	}
	copied, err := os.ReadFile("requirements.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(orig) != string(copied) {
		t.Errorf("compliance/requirements.md differs from the project's REQUIREMENTS.md: copy it again")
	}
}

// TestParseRequirementsErrors checks that a malformed requirements file is
// refused with the line and the problem.
func TestParseRequirementsErrors(t *testing.T) {
	const head = "## 1. Rights\n\n| ID | Str | Requirement | Shown by |\n|---|---|---|---|\n"
	tests := []struct{ name, md, want string }{
		{"empty", "", "no requirement rows"},
		{"three cells", head + "| ZZ-X | M | text |\n", "line 5: a requirement row has 4 cells"},
		{"bad id", head + "| zz-x | M | text | test |\n", `line 5: "zz-x" is not a requirement ID`},
		{"bad strength", head + "| ZZ-X | Q | text | test |\n", `line 5: ZZ-X: strength "Q"`},
		{"no shown by", head + "| ZZ-X | M | text |  |\n", "line 5: ZZ-X: the requirement and what shows it"},
		{"twice", head + "| ZZ-X | M | a | b |\n| ZZ-X | S | c | d |\n", "line 6: ZZ-X is already on line 5"},
		{"no section", "| ZZ-X | M | a | b |\n", "line 1: ZZ-X comes before any"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := compliance.ParseRequirements([]byte(tt.md))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	rs, err := compliance.ParseRequirements([]byte(head + "| ZZ-X | M | a | b |\r\n\nText between.\n\n## 2. Other\n| AUDIT | S | c | d |\n"))
	if err != nil || len(rs) != 2 || rs[1].Section != "2. Other" || rs[0].ShownBy != "b" {
		t.Errorf("ParseRequirements = %+v, %v", rs, err)
	}
}

// FuzzParseRequirements: any input parses or is refused, without panic,
// and every parsed row is complete and unique.
func FuzzParseRequirements(f *testing.F) {
	orig, _ := os.ReadFile("requirements.md")
	f.Add(orig)
	f.Add([]byte("## a\n| X-Y | M | a | b |\n"))
	f.Fuzz(func(t *testing.T, md []byte) {
		rs, err := compliance.ParseRequirements(md)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, r := range rs {
			if r.ID == "" || r.Text == "" || r.ShownBy == "" || r.Section == "" || seen[r.ID] || compliance.Strengths[r.Strength] == "" {
				t.Fatalf("bad row %+v", r)
			}
			seen[r.ID] = true
		}
	})
}
