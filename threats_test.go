package hearth_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// citation is a test THREATS.md cites: `dir.TestName`, where dir is the
// test's package directory from the repository root ("hearth" for the
// root package).
var citation = regexp.MustCompile("`((?:[a-z0-9_-]+/)*[a-z0-9_-]+)\\.((?:Test|Fuzz)[A-Za-z0-9_]+)`")

// threatSections are the headings THREATS.md must have: the OWASP IoT Top
// 10 (2018) and the provisions of ETSI EN 303 645.
func threatSections() []string {
	var out []string
	for i := 1; i <= 10; i++ {
		out = append(out, fmt.Sprintf("### I%d ", i))
	}
	for i := 1; i <= 13; i++ {
		out = append(out, fmt.Sprintf("### 5.%d ", i))
	}
	return append(out, "### 6 ")
}

// TestThreatsCitesRealTests: SEC-THREATS: THREATS.md walks every item of
// the OWASP IoT Top 10 (2018) and every provision of ETSI EN 303 645 (5.1
// to 5.13 and 6), each saying whether it applies, the mitigation, and the
// tests that show it or what is missing; every test it cites exists in the
// repository, so the document cannot drift from the code; and every test
// in a file that cites SEC-THREATS is cited in it.
func TestThreatsCitesRealTests(t *testing.T) {
	doc, err := os.ReadFile("THREATS.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	tests, threatFiles := testFunctions(t)
	for _, h := range threatSections() {
		i := strings.Index(text, "\n"+h)
		if i < 0 {
			t.Errorf("THREATS.md has no section %q", strings.TrimSpace(h))
			continue
		}
		section := text[i+1:]
		if j := strings.Index(section[len(h):], "\n#"); j >= 0 {
			section = section[:len(h)+j]
		}
		for _, field := range []string{"**Applies:**", "**Mitigation:**"} {
			if !strings.Contains(section, field) {
				t.Errorf("section %q lacks %s", strings.TrimSpace(h), field)
			}
		}
		if !citation.MatchString(section) && !strings.Contains(section, "**Missing:**") {
			t.Errorf("section %q cites no test and says nothing is missing", strings.TrimSpace(h))
		}
	}
	cited := map[string]bool{}
	for _, m := range citation.FindAllStringSubmatch(text, -1) {
		name := m[1] + "." + m[2]
		cited[name] = true
		if !tests[name] {
			t.Errorf("THREATS.md cites %s, which is not a test in the repository", name)
		}
	}
	if len(cited) < 50 {
		t.Errorf("THREATS.md cites %d tests; the citation pattern `dir.TestName` may have changed", len(cited))
	}
	for _, name := range threatFiles {
		if !cited[name] {
			t.Errorf("%s is in a file that cites SEC-THREATS, but THREATS.md does not cite it", name)
		}
	}
}

// testFunctions returns every test and fuzz function of the repository as
// "dir.Name", and those in files whose comments cite SEC-THREATS.
func testFunctions(t *testing.T) (all map[string]bool, threats []string) {
	t.Helper()
	all = map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if dir == "." {
			dir = "hearth"
		}
		citesThreats := false
		for _, c := range f.Comments {
			citesThreats = citesThreats || strings.Contains(c.Text(), "SEC-THREATS")
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !(strings.HasPrefix(fn.Name.Name, "Test") || strings.HasPrefix(fn.Name.Name, "Fuzz")) {
				continue
			}
			all[dir+"."+fn.Name.Name] = true
			if citesThreats && fn.Name.Name != "TestMain" && path != "threats_test.go" {
				threats = append(threats, dir+"."+fn.Name.Name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all, threats
}
