package manifest

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FormatVersion is the manifest format this package reads: the value of the
// manifest's "format" field.
const FormatVersion = 1

// Kinds are the kinds of data category: personal data, special category
// data (UK GDPR Art 9), location data, and technical data about the device.
var Kinds = []string{"personal", "special", "location", "technical"}

// Bases are the lawful bases of UK GDPR Art 6(1) a purpose may declare.
var Bases = []string{"consent", "contract", "legal-obligation", "vital-interests", "public-task", "legitimate-interests"}

// MaxRetention is the longest retention a category may declare: 10 years.
const MaxRetention = 10 * 365 * 24 * time.Hour

var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// validator collects the problems of one manifest.
type validator struct {
	file  string
	lines lines
	ps    Problems
}

func (v *validator) add(field, format string, args ...any) {
	v.ps = append(v.ps, Problem{File: v.file, Line: v.lines.line(field), Field: field, Message: fmt.Sprintf(format, args...)})
}

// validate reports every problem of m that issue 2 depends on: the format,
// the controller, identifiers, references between sections, retention and
// support dates.
func (m *Manifest) validate(file string, l lines) Problems {
	v := &validator{file: file, lines: l}
	if m.Format != FormatVersion {
		v.add("format", "unsupported format %d; this Hearth reads format %d", m.Format, FormatVersion)
	}
	if strings.TrimSpace(m.Version) == "" {
		v.add("version", "missing: name this version of the declaration, such as 2025-01")
	}
	if strings.TrimSpace(m.Controller.Name) == "" {
		v.add("controller.name", "missing: name the organisation responsible for the processing")
	}
	cats := v.categories(m.Categories)
	v.models(m.Models, cats)
	v.purposes(m.Purposes, cats)
	return v.ps
}

// id checks one identifier and records it; it reports duplicates.
func (v *validator) id(field, id string, seen map[string]bool) {
	switch {
	case id == "":
		v.add(field, "missing")
	case !idRE.MatchString(id):
		v.add(field, "%q is not an identifier: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", id)
	case seen[id]:
		v.add(field, "%q is declared twice", id)
	}
	seen[id] = true
}

func (v *validator) categories(cs []Category) map[string]bool {
	seen := map[string]bool{}
	if len(cs) == 0 {
		v.add("categories", "missing: declare at least one data category")
	}
	for i, c := range cs {
		p := fmt.Sprintf("categories[%d]", i)
		v.id(p+".id", c.ID, seen)
		if !slices.Contains(Kinds, c.Kind) {
			v.add(p+".kind", "%q is not a kind; use one of %s", c.Kind, strings.Join(Kinds, ", "))
		}
		if _, err := ParseRetention(c.Retention); err != nil {
			v.add(p+".retention", "%v", err)
		}
	}
	return seen
}

func (v *validator) models(ms []Model, cats map[string]bool) {
	seen := map[string]bool{}
	if len(ms) == 0 {
		v.add("models", "missing: declare at least one device model")
	}
	for i, d := range ms {
		p := fmt.Sprintf("models[%d]", i)
		v.id(p+".id", d.ID, seen)
		if _, err := time.Parse(time.DateOnly, d.SupportEnd); err != nil {
			v.add(p+".support_end", "%q is not a date: give the last day of security updates as YYYY-MM-DD", d.SupportEnd)
		}
		v.refs(p+".categories", d.Categories, cats)
	}
}

func (v *validator) purposes(ps []Purpose, cats map[string]bool) {
	seen := map[string]bool{}
	for i, u := range ps {
		p := fmt.Sprintf("purposes[%d]", i)
		v.id(p+".id", u.ID, seen)
		if !slices.Contains(Bases, u.Basis) {
			v.add(p+".basis", "%q is not a lawful basis; use one of %s", u.Basis, strings.Join(Bases, ", "))
		}
		v.refs(p+".categories", u.Categories, cats)
	}
}

// refs checks that a list of category references is non-empty and that
// every one is declared.
func (v *validator) refs(field string, ids []string, cats map[string]bool) {
	if len(ids) == 0 {
		v.add(field, "missing: list at least one category")
	}
	for j, id := range ids {
		if !cats[id] {
			v.add(fmt.Sprintf("%s[%d]", field, j), "category %q is not declared in categories", id)
		}
	}
}

var retentionRE = regexp.MustCompile(`^([0-9]{1,6})(h|d|w|mo|y)$`)

var retentionUnits = map[string]time.Duration{
	"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour,
	"mo": 30 * 24 * time.Hour, "y": 365 * 24 * time.Hour,
}

// ParseRetention parses a retention period: a positive whole number and a
// unit, h (hours), d (days), w (weeks, 7 days), mo (months, 30 days) or y
// (years, 365 days), such as "12h", "30d", "6mo" or "1y". It returns an
// error for an empty, zero, malformed or unbounded period and for one longer
// than MaxRetention: data is never kept forever.
func ParseRetention(s string) (time.Duration, error) {
	m := retentionRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a retention period: give a whole number and a unit h, d, w, mo or y, such as 30d", s)
	}
	n, _ := strconv.Atoi(m[1])
	if n == 0 {
		return 0, fmt.Errorf("%q is zero: give a positive retention period", s)
	}
	d := time.Duration(n) * retentionUnits[m[2]]
	if d > MaxRetention {
		return 0, fmt.Errorf("%q is longer than the 10-year limit", s)
	}
	return d, nil
}

// RetentionPeriod returns the category's retention as a duration, or 0 if
// the manifest was not validated by Parse.
func (c *Category) RetentionPeriod() time.Duration {
	d, _ := ParseRetention(c.Retention)
	return d
}

// SupportEndDate returns the last day of security updates for the model, as
// midnight UTC, or the zero time if the manifest was not validated by Parse.
func (d *Model) SupportEndDate() time.Time {
	t, _ := time.Parse(time.DateOnly, d.SupportEnd)
	return t
}
