package compliance_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hearth-iot/hearth/compliance"
)

// TestEvidenceCurrent regenerates the evidence map from the test code and
// compares it with the committed evidence.json: it fails when a test's
// citations changed without `go generate ./compliance`, and when any test
// cites a requirement ID that requirements.md does not have (RECORDS).
func TestEvidenceCurrent(t *testing.T) {
	ev, unknown, err := compliance.ScanEvidence("..", compliance.Requirements())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range unknown {
		t.Errorf("%s", c)
	}
	if !ev.Equal(compliance.EmbeddedEvidence()) {
		t.Errorf("compliance/evidence.json is stale: run go generate ./compliance and commit it")
	}
	if tests := ev["RECORDS"]; len(tests) == 0 {
		t.Errorf("no test cites RECORDS; this one does")
	}
}

// TestScanEvidence scans a small module: citations in a test's doc
// comment, a comment inside it and a string in it count; helpers and
// citations outside test functions do not; an unknown ID whose first word
// starts a known one is reported with its place. (QQ IDs are made up.)
func TestScanEvidence(t *testing.T) {
	root := t.TempDir()
	src := `package x

// QQAUDIT is not cited here: this comment is on no test.
var _ = "QQ-ERASE"

// TestA shows QQ-ACCESS.
func TestA(t *testing.T) {
	// and QQRETENTION
	t.Run("QQ-MFA: second factor", nil)
}

func helper() { _ = "QQAUDIT" }

func TestB(t *testing.T) { _ = "QQ-DELETE and UTF-8 and JSON" }

func Testlower(t *testing.T) { _ = "QQAUDIT" }
`
	if err := os.MkdirAll(filepath.Join(root, "pkg", "testdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"pkg/x_test.go", "root_test.go", "pkg/testdata/skip_test.go"} {
		if err := os.WriteFile(filepath.Join(root, f), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var reqs []compliance.Requirement
	for _, id := range []string{"QQ-ACCESS", "QQ-ERASE", "QQRETENTION", "QQ-MFA", "QQAUDIT"} {
		reqs = append(reqs, compliance.Requirement{ID: id})
	}
	ev, unknown, err := compliance.ScanEvidence(root, reqs)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "QQ-ACCESS": [
    "hearth.TestA",
    "pkg.TestA"
  ],
  "QQ-MFA": [
    "hearth.TestA",
    "pkg.TestA"
  ],
  "QQRETENTION": [
    "hearth.TestA",
    "pkg.TestA"
  ]
}
`
	if got := string(ev.JSON()); got != want {
		t.Errorf("evidence =\n%s\nwant\n%s", got, want)
	}
	if len(unknown) != 2 || unknown[0].ID != "QQ-DELETE" || unknown[0].Pos != "pkg/x_test.go:14" || unknown[1].Test != "hearth.TestB" {
		t.Errorf("unknown citations = %v", unknown)
	}
}
