package compliance

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Evidence maps a requirement ID to the tests that cite it, each as its
// package directory and name ("manifest.TestRecordsGolden",
// "cmd/hearth.TestRecordsCommand"; the module root's package is
// "hearth"), sorted. IDs no test cites are absent.
type Evidence map[string][]string

// evidenceJSON is the evidence map generated from the test code by `go
// generate ./compliance` (go run ./compliance/cmd/evidence); a test fails
// when it is stale.
//
//go:embed evidence.json
var evidenceJSON []byte

// EmbeddedEvidence returns the evidence map generated when this binary's
// source was last committed.
func EmbeddedEvidence() Evidence {
	var e Evidence
	if err := json.Unmarshal(evidenceJSON, &e); err != nil {
		panic("compliance: embedded evidence.json: " + err.Error())
	}
	return e
}

// JSON returns the evidence map as the committed file holds it: indented,
// keys sorted, with a final newline.
func (e Evidence) JSON() []byte {
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		panic(err) // a map of strings to string slices always marshals
	}
	return append(b, '\n')
}

// Citation is a requirement ID a test cites that requirements.md does not
// have.
type Citation struct {
	Test string // "pkg.TestName"
	ID   string
	Pos  string // file:line
}

// String describes c as a citation of an ID that does not exist: where,
// which test, which ID.
func (c Citation) String() string {
	return fmt.Sprintf("%s: %s cites %s, which is not in compliance/requirements.md", c.Pos, c.Test, c.ID)
}

// citeRE finds the words that may be requirement IDs; hyphenated ones
// whose first word starts a known ID and that are not known are unknown
// citations.
var citeRE = regexp.MustCompile(`\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*\b`)

// skipDirs are directories ScanEvidence does not enter.
var skipDirs = map[string]bool{"testdata": true, "vendor": true, "node_modules": true, "test-artifacts": true}

// ScanEvidence reads every *_test.go file under root (the module root),
// except those of package compliance, whose tests name IDs as data,
// and maps each requirement ID of reqs to the test functions (Test…,
// Fuzz…, Benchmark…, Example…) that cite it: in their doc comment, in any
// comment inside them, or in a string literal in them (a subtest's name).
// It also returns the citations of IDs reqs does not have: a hyphenated
// upper-case word whose first word starts some ID, such as RIGHT-DELETE.
func ScanEvidence(root string, reqs []Requirement) (Evidence, []Citation, error) {
	known, prefixes := map[string]bool{}, map[string]bool{}
	for _, r := range reqs {
		known[r.ID] = true
		prefixes[strings.SplitN(r.ID, "-", 2)[0]] = true
	}
	ev := Evidence{}
	var unknown []Citation
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_") || skipDirs[d.Name()] ||
				path == filepath.Join(root, "compliance")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(rel)
		if pkg == "." {
			pkg = "hearth"
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("evidence: %w", err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !isTestName(fn.Name.Name) {
				continue
			}
			test := pkg + "." + fn.Name.Name
			for _, c := range citations(f, fn) {
				switch {
				case known[c.word]:
					if !slices.Contains(ev[c.word], test) {
						ev[c.word] = append(ev[c.word], test)
					}
				case strings.Contains(c.word, "-") && prefixes[strings.SplitN(c.word, "-", 2)[0]]:
					p := fset.Position(c.pos)
					rp, _ := filepath.Rel(root, p.Filename)
					unknown = append(unknown, Citation{Test: test, ID: c.word, Pos: filepath.ToSlash(rp) + ":" + strconv.Itoa(p.Line)})
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for id := range ev {
		sort.Strings(ev[id])
	}
	return ev, unknown, nil
}

func isTestName(name string) bool {
	for _, p := range []string{"Test", "Fuzz", "Benchmark", "Example"} {
		if rest, ok := strings.CutPrefix(name, p); ok && (rest == "" || !('a' <= rest[0] && rest[0] <= 'z')) {
			return true
		}
	}
	return false
}

type word struct {
	word string
	pos  token.Pos
}

// citations lists the candidate words of a test function: in its doc
// comment, in the comments within it, and in its string literals.
func citations(f *ast.File, fn *ast.FuncDecl) []word {
	var ws []word
	add := func(text string, pos token.Pos) {
		for _, w := range citeRE.FindAllString(text, -1) {
			ws = append(ws, word{w, pos})
		}
	}
	if fn.Doc != nil {
		for _, c := range fn.Doc.List {
			add(c.Text, c.Pos())
		}
	}
	for _, cg := range f.Comments {
		if cg.Pos() >= fn.Pos() && cg.End() <= fn.End() {
			for _, c := range cg.List {
				add(c.Text, c.Pos())
			}
		}
	}
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			add(lit.Value, lit.Pos())
		}
		return true
	})
	return ws
}

// Equal reports whether two evidence maps hold the same tests for the
// same IDs.
func (e Evidence) Equal(o Evidence) bool { return bytes.Equal(e.JSON(), o.JSON()) }
