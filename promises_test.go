package hearth_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
)

// noticePromises maps every promise the generated privacy notice makes to
// the tests, as "dir.TestName", that exercise it on real storage (and, for
// the end-to-end ones in cmd/hearth, a real server, broker and clients).
// Keys are the notice's right IDs (manifest.NoticeRight.ID) and, for the
// promises outside the rights list, "retention" (data kept no longer than
// stated, then deleted), "recipients-told" (everyone the data was
// shared with is asked to delete it), "reads-scoped" (nobody sees another
// adult's readings unless shared) and "household-consent" (household data
// serves a consent purpose only while every adult, and a guardian per
// child, agrees).
var noticePromises = map[string][]string{
	"access":            {"cmd/hearth.TestExportImportTwoInstances", "http.TestExportAPI"},
	"export":            {"cmd/hearth.TestExportImportTwoInstances"},
	"correction":        {"cmd/hearth.TestRectification"},
	"erasure":           {"cmd/hearth.TestErasureEndToEnd", "cmd/hearth.TestErasureReachesRestoredBackup", "cmd/hearth.TestCloseAccountEndToEnd"},
	"restriction":       {"cmd/hearth.TestRestrictionAndObjection"},
	"objection":         {"cmd/hearth.TestRestrictionAndObjection"},
	"withdraw-consent":  {"cmd/hearth.TestConsentEnforcement"},
	"adm-review":        {"rights.TestAutomatedDecisions", "cmd/hearth.TestReviewWithView"},
	"complain":          {"manifest.TestNoticeGolden"},
	"retention":         {"erasure.TestRetentionPass"},
	"recipients-told":   {"cmd/hearth.TestErasureEndToEnd"},
	"reads-scoped":      {"http.TestReadsScopedToThePerson", "http.TestShareEndsWithMembership", "policy.TestMayRead", "policy.TestShareInForce"},
	"household-consent": {"cmd/hearth.TestDemoOptionalFeature", "subject.TestHouseholdConsent"},
}

// TestNoticePromisesExercised checks that every right the privacy notice
// of every example manifest states, and the notice's other promises, name
// tests that exist (NOTICE-CONTENT, and every RIGHT-* the notice states):
// a right added to the notice without a test exercising it fails here.
func TestNoticePromisesExercised(t *testing.T) {
	stated := map[string]bool{"retention": true, "recipients-told": true, "reads-scoped": true, "household-consent": true}
	for _, ex := range examples.All() {
		m, ps := manifest.Check(ex.Name, ex.Data)
		if ps != nil {
			t.Fatalf("check %s: %v", ex.Name, ps)
		}
		for _, r := range manifest.Notice(m).Rights {
			stated[r.ID] = true
		}
	}
	tests := testFuncs(t)
	for id := range stated {
		names, ok := noticePromises[id]
		if !ok || len(names) == 0 {
			t.Errorf("the notice promises %q but no test is named for it in noticePromises", id)
			continue
		}
		for _, n := range names {
			if !tests[n] {
				t.Errorf("promise %q: test %s does not exist", id, n)
			}
		}
	}
	for id := range noticePromises {
		if !stated[id] {
			t.Errorf("noticePromises names %q, which no example's notice states", id)
		}
	}
}

// testFuncs returns every Test function of the module's _test.go files, as
// "dir.TestName" with dir relative to the module root.
func testFuncs(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Test") {
				out[dir+"."+fn.Name.Name] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("list tests: %v", err)
	}
	return out
}
