package manifest_test

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
)

// forms are the rendered forms of the notice and terms, by golden file
// extension; escaped says whether names appear HTML-escaped.
var forms = []struct {
	ext     string
	escaped bool
	render  func(*manifest.Manifest, io.Writer) error
}{
	{"notice.html", true, func(m *manifest.Manifest, w io.Writer) error { return manifest.Notice(m).HTML(w) }},
	{"child.html", true, func(m *manifest.Manifest, w io.Writer) error { return manifest.Notice(m).ChildHTML(w) }},
	{"notice.txt", false, func(m *manifest.Manifest, w io.Writer) error { return manifest.Notice(m).Text(w) }},
	{"notice.json", false, func(m *manifest.Manifest, w io.Writer) error { return manifest.Notice(m).JSON(w) }},
	{"terms.html", true, func(m *manifest.Manifest, w io.Writer) error { return manifest.Terms(m).HTML(w) }},
}

func parseExample(t *testing.T, ex examples.Example) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse(ex.Name, ex.Data)
	if err != nil {
		t.Fatalf("Parse(%s): %v", ex.Name, err)
	}
	return m
}

// TestNoticeGolden compares every form of every example's notice and terms
// with testdata/notice (regenerate with -update and review the diff).
func TestNoticeGolden(t *testing.T) {
	for _, ex := range examples.All() {
		m := parseExample(t, ex)
		base := strings.TrimSuffix(filepath.Base(ex.Name), ".yaml")
		for _, f := range forms {
			t.Run(base+"."+f.ext, func(t *testing.T) {
				var b bytes.Buffer
				if err := f.render(m, &b); err != nil {
					t.Fatalf("render: %v", err)
				}
				golden(t, filepath.Join("testdata", "notice", base+"."+f.ext), b.String())
			})
		}
	}
}

// TestNoticeCoversManifest checks that every purpose, category and
// recipient of each example appears in every form of the notice, so the
// notice cannot drift from what policy enforces (NOTICE-CONTENT,
// NOTICE-LAYERED, NOTICE-AUDIENCE).
func TestNoticeCoversManifest(t *testing.T) {
	for _, ex := range examples.All() {
		m := parseExample(t, ex)
		var names []string
		for _, p := range m.Purposes {
			names = append(names, p.Name)
		}
		for _, c := range m.Categories {
			names = append(names, c.Name)
		}
		for _, r := range m.Recipients {
			names = append(names, r.Name)
		}
		for _, f := range forms[:4] {
			t.Run(ex.Name+"/"+f.ext, func(t *testing.T) {
				var b bytes.Buffer
				if err := f.render(m, &b); err != nil {
					t.Fatalf("render: %v", err)
				}
				got := b.String()
				for _, n := range names {
					want := n
					if f.escaped {
						want = html.EscapeString(n)
					} else if strings.HasSuffix(f.ext, ".json") {
						j, _ := json.Marshal(n)
						want = strings.Trim(string(j), `"`)
					}
					if !strings.Contains(got, want) {
						t.Errorf("%s does not mention %q", f.ext, n)
					}
				}
			})
		}
	}
}

// TestNoticeContent checks the sections the law asks for are in the HTML
// notice, that it holds no consent control (NOTICE-SEPARATE), and that
// the terms state their expected duration apart from the notice
// (TOS-DURATION).
func TestNoticeContent(t *testing.T) {
	m := parseExample(t, examples.All()[2]) // fitness tracker: an automated decision
	var n, terms bytes.Buffer
	if err := manifest.Notice(m).HTML(&n); err != nil {
		t.Fatal(err)
	}
	if err := manifest.Terms(m).HTML(&terms); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="summary"`, `id="who"`, `id="purposes"`, `id="decisions"`, `id="sharing"`,
		`id="retention"`, `id="rights"`, `id="support"`, "your explicit consent", "right-adm-review", "right-erasure",
		"right-withdraw-consent", "right-export", "right-restriction", "right-objection", "right-correction", "right-access",
		"Security updates until 2030-09-30"} {
		if !strings.Contains(n.String(), want) {
			t.Errorf("notice lacks %q", want)
		}
	}
	for _, bad := range []string{"<form", "<input", "checkbox", "Expected to last"} {
		if strings.Contains(n.String(), bad) {
			t.Errorf("notice contains %q, want none (NOTICE-SEPARATE)", bad)
		}
	}
	if got, want := terms.String(), "Expected to last: 5 years"; !strings.Contains(got, want) {
		t.Errorf("terms lack %q", want)
	}
	if strings.Contains(terms.String(), "heart") {
		t.Error("terms mention the data categories, want them apart from the notice (NOTICE-SEPARATE)")
	}
}

// TestNoticeEscapes checks that manifest text cannot inject markup.
func TestNoticeEscapes(t *testing.T) {
	doc := strings.Replace(valid, "name: Acme", `name: "<script>alert(1)</script>"`, 1)
	m, err := manifest.Parse("m.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	var b bytes.Buffer
	if err := manifest.Notice(m).HTML(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<script>") {
		t.Error("notice contains an unescaped <script> from the manifest")
	}
}

// TestTermsCurrent checks the latest effective version is marked current.
func TestTermsCurrent(t *testing.T) {
	m := parseExample(t, examples.All()[1]) // smart speaker: two versions
	d := manifest.Terms(m)
	var got []bool
	for _, v := range d.Versions {
		got = append(got, v.Current)
	}
	if len(got) != 2 || got[0] || !got[1] {
		t.Errorf("Current = %v, want [false true]", got)
	}
}

func TestHumanPeriod(t *testing.T) {
	for in, want := range map[string]string{"1y": "1 year", "30d": "30 days", "6mo": "6 months", "12h": "12 hours", "1w": "1 week", "x": "x"} {
		if got := manifest.HumanPeriod(in); got != want {
			t.Errorf("HumanPeriod(%q) = %q, want %q", in, got, want)
		}
	}
}
