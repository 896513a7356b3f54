package manifest_test

import (
	"bytes"
	"html"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
)

// TestRecordsGolden compares the record of processing activities and DPIA
// screening of every example, in Markdown and HTML, with testdata/records
// (regenerate with -update and review the diff) (RECORDS).
func TestRecordsGolden(t *testing.T) {
	for _, ex := range examples.All() {
		m := parseExample(t, ex)
		base := strings.TrimSuffix(filepath.Base(ex.Name), ".yaml")
		d := manifest.Records(m)
		for ext, render := range map[string]func(*bytes.Buffer) error{
			"records.md":   func(b *bytes.Buffer) error { return d.Markdown(b) },
			"records.html": func(b *bytes.Buffer) error { return d.HTML(b) },
		} {
			t.Run(base+"."+ext, func(t *testing.T) {
				var b bytes.Buffer
				if err := render(&b); err != nil {
					t.Fatalf("render: %v", err)
				}
				golden(t, filepath.Join("testdata", "records", base+"."+ext), b.String())
			})
		}
	}
}

// recordFacts are the manifest facts the record must state: the
// controller and its contacts, every purpose with its basis and Art 9
// condition, every category with its retention, every recipient with its
// role and location.
func recordFacts(m *manifest.Manifest) []string {
	c := m.Controller
	facts := []string{c.Name, c.Contact, c.Address}
	if c.DPO != "" {
		facts = append(facts, c.DPO)
	}
	for _, p := range m.Purposes {
		facts = append(facts, p.Name, "(`"+p.ID+"`)", "Lawful basis (Art 6): "+p.Basis)
		if p.Art9Condition != "" {
			facts = append(facts, "Art 9(2) condition: "+p.Art9Condition)
		}
		if p.Art22Basis != "" {
			facts = append(facts, "Art 22(2) basis: "+p.Art22Basis)
		}
	}
	for _, cat := range m.Categories {
		facts = append(facts, cat.Name+": "+manifest.HumanPeriod(cat.Retention))
	}
	for _, r := range m.Recipients {
		facts = append(facts, r.Name, "| "+r.Role+" |")
		if r.Location != "" {
			facts = append(facts, r.Location)
		}
		if r.Transfer != "" {
			facts = append(facts, r.Transfer)
		}
	}
	for _, md := range m.Models {
		facts = append(facts, md.SupportEnd)
	}
	return facts
}

// TestRecordsStateEveryFact checks that every fact of each example's
// manifest the record needs appears in both forms (RECORDS), and that the
// DPIA screening lists the manifest facts that meet each criterion.
func TestRecordsStateEveryFact(t *testing.T) {
	for _, ex := range examples.All() {
		m := parseExample(t, ex)
		d := manifest.Records(m)
		var md, h bytes.Buffer
		if err := d.Markdown(&md); err != nil {
			t.Fatal(err)
		}
		if err := d.HTML(&h); err != nil {
			t.Fatal(err)
		}
		// Markdown escapes; compare on the unescaped text.
		mdText := strings.NewReplacer(`\`, "", "&lt;", "<", "&gt;", ">").Replace(md.String())
		htmlText := html.UnescapeString(h.String())
		for _, f := range recordFacts(m) {
			if !strings.Contains(mdText, f) {
				t.Errorf("%s: Markdown record does not state %q", ex.Name, f)
			}
			g := strings.NewReplacer("(`", "(<code>", "`)", "</code>)", "| ", "<td>", " |", "</td>").Replace(f)
			if !strings.Contains(htmlText, g) {
				t.Errorf("%s: HTML record does not state %q", ex.Name, g)
			}
		}
	}
}

// TestRecordsMarkdownEscapes checks a declared value cannot break the
// Markdown record: table pipes, emphasis, code, links and HTML in a name
// are escaped, line breaks folded (RECORDS).
func TestRecordsMarkdownEscapes(t *testing.T) {
	doc := strings.Replace(string(examples.Thermostat), "name: Relative humidity", `name: "Humidity | <b>*x*</b> [l](u) `+"`c`"+`\n"`, 1)
	m, err := manifest.Parse("t.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := manifest.Records(m).Markdown(&b); err != nil {
		t.Fatal(err)
	}
	want := "| Humidity \\| &lt;b&gt;\\*x\\*&lt;/b&gt; \\[l\\](u) \\`c\\` (`humidity`) | personal data | 1 year | percent (%) |"
	if !strings.Contains(b.String(), want) {
		t.Errorf("the record lacks the escaped row %q:\n%s", want, b.String())
	}
}
