package synth_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/synth"
)

// The shapes personal data has in a fixture (PET-SYNTH).
var (
	emailRE = regexp.MustCompile(`[A-Za-z0-9._%+-]+@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})`)
	// An international number (+ and 10 to 15 digits, with spaces, dots,
	// hyphens or brackets between), or a UK national one written with a
	// space or hyphen, as people write them.
	phoneRE = regexp.MustCompile(`\+[1-9][0-9 ().-]{8,18}[0-9]|\b0[1-9][0-9]{2,3}[ -][0-9]{3}[ -]?[0-9]{3,4}\b`)
	// A full name: a common given name and a common family name.
	nameRE = regexp.MustCompile(`\b(` + strings.Join(append(commonGiven, synth.GivenNames...), "|") + `) (` + strings.Join(commonFamily, "|") + `)\b`)
)

// commonGiven and commonFamily are common given and family names in the UK
// and the US: a given name followed by a family name looks like a real
// person. ("John Doe" and "Jane Doe" are placeholders, so Doe is not here.)
var (
	commonGiven = []string{
		"John", "Jane", "James", "Mary", "David", "Michael", "Sarah", "Emma", "Oliver", "Olivia", "Alice", "Bob",
		"William", "Elizabeth", "Thomas", "Emily", "George", "Sophie", "Harry", "Jessica", "Jack", "Charlotte",
		"Daniel", "Laura", "Peter", "Anna", "Paul", "Claire", "Mark", "Helen", "Chris", "Lucy", "Andrew", "Kate",
		"Richard", "Rachel", "Robert", "Hannah", "Matthew", "Amy", "Ada", "Eve", "Mallory", "Kim",
	}
	commonFamily = []string{
		"Smith", "Jones", "Williams", "Brown", "Taylor", "Davies", "Wilson", "Evans", "Thomas", "Johnson",
		"Roberts", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall",
		"Wood", "Harris", "Lewis", "Martin", "Jackson", "Clarke", "Clark", "Turner", "Hill", "Scott", "Cooper",
		"Morris", "Ward", "Moore", "King", "Watson", "Baker", "Harrison", "Morgan", "Patel", "Young", "Allen",
		"Mitchell", "Anderson", "Phillips", "Lee", "Bell", "Parker", "Davis", "Miller", "Garcia", "Rodriguez",
		"Martinez", "Khan", "Singh", "Murphy", "Kelly", "Campbell", "Stewart", "Shaw", "Lloyd", "Price",
		"Bennett", "Cox", "Mills", "Lovelace",
	}
)

// reservedDomain reports whether an e-mail domain is reserved for examples
// and tests (RFC 2606, RFC 6761), so no address on it reaches anyone.
func reservedDomain(d string) bool {
	d = strings.ToLower(d)
	for _, base := range []string{"example.com", "example.org", "example.net"} {
		if d == base || strings.HasSuffix(d, "."+base) {
			return true
		}
	}
	for _, tld := range []string{".example", ".test", ".invalid", ".localhost"} {
		if strings.HasSuffix(d, tld) {
			return true
		}
	}
	return d == "localhost"
}

// fictionalPhone reports whether a number is in a range set aside for
// drama and examples: Ofcom's (such as 0113 496 0000-0999 and 07700
// 900000-900999) and the US 555-0100 to 555-0199 of any area code.
func fictionalPhone(s string) bool {
	var digits strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits.WriteRune(r)
		}
	}
	n := digits.String()
	if strings.HasPrefix(s, "+44") {
		n = "0" + strings.TrimPrefix(n, "44")
	}
	if strings.HasPrefix(s, "+1") && len(n) == 11 {
		return n[4:7] == "555" && n[7:9] == "01"
	}
	for _, p := range []string{
		"01134960", "01144960", "01154960", "01164960", "01174960", "01184960", "01214960", "01314960",
		"01414960", "01514960", "01614960", "01914980", "01632960", "02079460", "02890180", "02920180",
		"07700900", "08081570", "09098790", "03069990",
	} {
		if len(n) == 11 && strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

// personalData returns what in s looks like a real person's data.
func personalData(s string) []string {
	var out []string
	for _, m := range emailRE.FindAllStringSubmatch(s, -1) {
		if !reservedDomain(m[1]) {
			out = append(out, "e-mail "+m[0])
		}
	}
	for _, m := range phoneRE.FindAllString(s, -1) {
		if !fictionalPhone(m) {
			out = append(out, "phone number "+m)
		}
	}
	for _, m := range nameRE.FindAllString(s, -1) {
		out = append(out, "full name "+m)
	}
	return out
}

// TestPersonalDataShapes: the checks catch the shapes of real personal
// data and pass reserved and fictional ones (PET-SYNTH).
func TestPersonalDataShapes(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"ada@example.org", false},
		{"privacy@ember-home.example", false},
		{"x@sub.example.com", false},
		{"a@b.test, c@d.invalid", false},
		{"jordan.h0001-p1@households.example", false},
		// The flagged examples are split in two, so that this file's own
		// literals pass the scan below.
		{"jane.smith@" + "gmail.com", true},
		{"someone@" + "example.co.uk", true},
		{"+44-113-496-0000", false},
		{"07700 900123", false},
		{"+1 (202) 555-0123", false},
		{"+44 7911 " + "123456", true},
		{"call 0161 " + "555 1234", true},
		{"2026-11-23T00:00:00+00:00", false},
		{"id 0123456789abcdef", false},
		{"Granny Weatherwax", false},
		{"Robin 2", false},
		{"Jane Doe", false},
		{"Jane " + "Smith", true},
		{"Kim " + "Lee", true},
	} {
		if got := len(personalData(tt.s)) > 0; got != tt.want {
			t.Errorf("personalData(%q) = %v, want flagged %v", tt.s, personalData(tt.s), tt.want)
		}
	}
}

// TestFixturesHoldNoPersonalData scans every testdata file, every string
// literal of a *_test.go file and the example manifests for a real-looking
// e-mail address, telephone number or full name (PET-SYNTH). Fixtures use
// reserved domains, fictional numbers and given names alone, as package
// synth does.
func TestFixturesHoldNoPersonalData(t *testing.T) {
	root := filepath.Join("..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		var found []string
		switch {
		case strings.HasSuffix(name, "_test.go"):
			found = scanGoStrings(t, path)
		case inTestdata(rel) || filepath.Dir(rel) == "examples" && strings.HasSuffix(name, ".yaml"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if bytes.IndexByte(b, 0) >= 0 {
				return nil // binary
			}
			found = personalData(string(b))
		default:
			return nil
		}
		files++
		for _, f := range found {
			t.Errorf("%s: %s looks like a real person's; use a reserved domain (…@example.org, …example), a fictional number (07700 900xxx) or a given name alone", rel, f)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("scanned %d files; the walk missed the fixtures", files)
	}
}

func inTestdata(rel string) bool {
	return slices.Contains(strings.Split(filepath.ToSlash(rel), "/"), "testdata")
}

// scanGoStrings returns the personal data in a Go file's string literals.
func scanGoStrings(t *testing.T, path string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Errorf("parse %s: %v", path, err)
		return nil
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				s = lit.Value
			}
			out = append(out, personalData(s)...)
		}
		return true
	})
	return out
}
