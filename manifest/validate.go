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

// Category kinds.
const (
	KindPersonal  = "personal"
	KindSpecial   = "special"
	KindLocation  = "location"
	KindTechnical = "technical"
)

// Kinds are the kinds of data category: personal data, special category
// data (UK GDPR Art 9), location data, and technical data about the device.
var Kinds = []string{KindPersonal, KindSpecial, KindLocation, KindTechnical}

// SpecialTypes are the types of special category data of UK GDPR Art 9(1).
var SpecialTypes = []string{
	"health", "biometric-identification", "genetic", "racial-ethnic-origin",
	"political-opinions", "religious-beliefs", "trade-union-membership", "sex-life-orientation",
}

// Value types of a category's value fields.
const (
	TypeNumber  = "number"  // any JSON number
	TypeInteger = "integer" // a JSON number without fraction or exponent
	TypeString  = "string"
	TypeBoolean = "boolean"
)

// ValueTypes are the types a value field may declare.
var ValueTypes = []string{TypeNumber, TypeInteger, TypeString, TypeBoolean}

// Granularities are the precisions of location data, finest first.
var Granularities = []string{"precise", "street", "city", "region", "country"}

// Lawful bases.
const (
	BasisConsent             = "consent"
	BasisContract            = "contract"
	BasisLegalObligation     = "legal-obligation"
	BasisVitalInterests      = "vital-interests"
	BasisPublicTask          = "public-task"
	BasisLegitimateInterests = "legitimate-interests"
)

// Bases are the lawful bases of UK GDPR Art 6(1) a purpose may declare.
var Bases = []string{BasisConsent, BasisContract, BasisLegalObligation, BasisVitalInterests, BasisPublicTask, BasisLegitimateInterests}

// Art9ExplicitConsent is the Art 9(2)(a) condition: explicit consent.
const Art9ExplicitConsent = "explicit-consent"

// Art9Conditions are the conditions of UK GDPR Art 9(2)(a)-(j) for
// processing special category data, in that order.
var Art9Conditions = []string{
	Art9ExplicitConsent, "employment-social-security", "vital-interests", "not-for-profit-body",
	"made-public", "legal-claims", "substantial-public-interest", "health-social-care",
	"public-health", "archiving-research",
}

// Art22Bases are the bases of UK GDPR Art 22(2) for a solely automated
// decision with significant effect: necessary for a contract, authorised
// by law, or explicit consent.
var Art22Bases = []string{"contract", "law", Art9ExplicitConsent}

// Recipient roles.
const (
	RoleProcessor             = "processor"
	RoleJointController       = "joint-controller"
	RoleIndependentController = "independent-controller"
)

// Roles are the roles a recipient may have.
var Roles = []string{RoleProcessor, RoleJointController, RoleIndependentController}

// MaxRetention is the longest retention a category may declare: 10 years.
const MaxRetention = 10 * 365 * 24 * time.Hour

// maxPeriod bounds the other periods: service lifetime, terms duration,
// cool-off.
const maxPeriod = 50 * 365 * 24 * time.Hour

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

// ids are the declared identifiers of each section, for references.
type ids struct{ categories, purposes, recipients map[string]bool }

// validate reports every structural problem of m: the format, the
// controller, identifiers, enumerated values, dates, periods and references
// between sections.
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
	var d ids
	d.categories = v.categories(m.Categories)
	d.recipients = v.recipients(m.Recipients, d.categories)
	v.models(m.Models, d.categories)
	d.purposes = v.purposes(m.Purposes, d)
	v.features(m.Features, d.purposes)
	v.statistics(m.Purposes)
	v.period("consent.cool_off", m.Consent.CoolOff, true)
	v.terms(m.Terms)
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

// oneOf reports a value that is not one of the allowed; an empty value is
// allowed when optional.
func (v *validator) oneOf(field, val, what string, allowed []string, optional bool) {
	if (val == "" && optional) || slices.Contains(allowed, val) {
		return
	}
	v.add(field, "%q is not %s; use one of %s", val, what, strings.Join(allowed, ", "))
}

// date reports a value that is not a YYYY-MM-DD date.
func (v *validator) date(field, val, what string) {
	if _, err := time.Parse(time.DateOnly, val); err != nil {
		v.add(field, "%q is not a date: give %s as YYYY-MM-DD", val, what)
	}
}

// period reports a value that is not a period such as 30d.
func (v *validator) period(field, val string, optional bool) {
	if val == "" && optional {
		return
	}
	if _, err := parsePeriod(val, maxPeriod); err != nil {
		v.add(field, "%v", err)
	}
}

func (v *validator) categories(cs []Category) map[string]bool {
	seen := map[string]bool{}
	if len(cs) == 0 {
		v.add("categories", "missing: declare at least one data category")
	}
	for i, c := range cs {
		p := fmt.Sprintf("categories[%d]", i)
		v.id(p+".id", c.ID, seen)
		v.oneOf(p+".kind", c.Kind, "a kind", Kinds, false)
		if _, err := ParseRetention(c.Retention); err != nil {
			v.add(p+".retention", "%v", err)
		}
		v.categoryKind(p, c)
	}
	return seen
}

// categoryKind checks the fields that belong to one kind only.
func (v *validator) categoryKind(p string, c Category) {
	if c.Kind == KindSpecial {
		v.oneOf(p+".special_type", c.SpecialType, "a special category type", SpecialTypes, false)
	} else if c.SpecialType != "" {
		v.add(p+".special_type", "only a category of kind special has a special_type")
	}
	if c.Kind != KindLocation && len(c.Granularities) > 0 {
		v.add(p+".granularities", "only a category of kind location has granularities")
	}
	v.granularities(p+".granularities", c.Granularities)
	v.values(p, c)
}

// values checks a category's value shape: fields for every kind but
// location, or free_form; unique field names of a declared type.
func (v *validator) values(p string, c Category) {
	switch {
	case c.Kind == KindLocation && (len(c.Values) > 0 || c.FreeForm):
		v.add(p+".values", `a location category's values are always {"lat": degrees, "lon": degrees}: remove values and free_form`)
		return
	case c.Kind == KindLocation:
		return
	case len(c.Values) > 0 && c.FreeForm:
		v.add(p+".free_form", "declare values or free_form, not both")
	case len(c.Values) == 0 && !c.FreeForm:
		v.add(p+".values", "missing: declare the fields of this category's values, such as [{field: celsius, type: number, unit: °C}] (MIN-GATE)")
	}
	seen := map[string]bool{}
	for j, f := range c.Values {
		fp := fmt.Sprintf("%s.values[%d]", p, j)
		v.id(fp+".field", f.Field, seen)
		v.oneOf(fp+".type", f.Type, "a value type", ValueTypes, false)
	}
}

// granularities checks a list of location granularities: known values,
// finest first, no repeats.
func (v *validator) granularities(field string, gs []string) {
	last := -1
	for j, g := range gs {
		i := slices.Index(Granularities, g)
		switch {
		case i < 0:
			v.add(fmt.Sprintf("%s[%d]", field, j), "%q is not a granularity; use %s, finest first", g, strings.Join(Granularities, ", "))
		case i <= last:
			v.add(fmt.Sprintf("%s[%d]", field, j), "%q is out of order: list granularities finest first (%s), each once", g, strings.Join(Granularities, ", "))
		}
		last = max(last, i)
	}
}

func (v *validator) models(ms []Model, cats map[string]bool) {
	seen := map[string]bool{}
	if len(ms) == 0 {
		v.add("models", "missing: declare at least one device model")
	}
	for i, d := range ms {
		p := fmt.Sprintf("models[%d]", i)
		v.id(p+".id", d.ID, seen)
		v.date(p+".support_end", d.SupportEnd, "the last day of security updates")
		v.refs(p+".categories", d.Categories, cats, "category", "categories", true)
		v.period(p+".service_lifetime", d.ServiceLifetime, true)
		for j, s := range d.SupportLevels {
			q := fmt.Sprintf("%s.support_levels[%d]", p, j)
			if strings.TrimSpace(s.Name) == "" {
				v.add(q+".name", "missing: name the kind of support, such as feature updates")
			}
			v.date(q+".until", s.Until, "the last day of this support")
		}
		if d.Repair != nil {
			for j, s := range d.Repair.SpareParts {
				q := fmt.Sprintf("%s.repair.spare_parts[%d]", p, j)
				if strings.TrimSpace(s.Name) == "" {
					v.add(q+".name", "missing: name the part")
				}
				v.date(q+".until", s.Until, "the last day the part is sold")
			}
		}
	}
}

func (v *validator) purposes(ps []Purpose, d ids) map[string]bool {
	seen := map[string]bool{}
	for i, u := range ps {
		p := fmt.Sprintf("purposes[%d]", i)
		v.id(p+".id", u.ID, seen)
		v.oneOf(p+".basis", u.Basis, "a lawful basis", Bases, false)
		v.refs(p+".categories", u.Categories, d.categories, "category", "categories", true)
		v.oneOf(p+".art9_condition", u.Art9Condition, "an Art 9(2) condition", Art9Conditions, true)
		v.oneOf(p+".art22_basis", u.Art22Basis, "an Art 22(2) basis", Art22Bases, true)
		v.refs(p+".recipients", u.Recipients, d.recipients, "recipient", "recipients", false)
	}
	return seen
}

func (v *validator) features(fs []Feature, purposes map[string]bool) {
	seen := map[string]bool{}
	for i, f := range fs {
		p := fmt.Sprintf("features[%d]", i)
		v.id(p+".id", f.ID, seen)
		v.refs(p+".purposes", f.Purposes, purposes, "purpose", "purposes", true)
		v.granularities(p+".granularities", f.Granularities)
	}
}

func (v *validator) recipients(rs []Recipient, cats map[string]bool) map[string]bool {
	seen := map[string]bool{}
	for i, r := range rs {
		p := fmt.Sprintf("recipients[%d]", i)
		v.id(p+".id", r.ID, seen)
		v.refs(p+".categories", r.Categories, cats, "category", "categories", true)
	}
	return seen
}

func (v *validator) terms(ts []TermsVersion) {
	seen := map[string]bool{}
	for i, t := range ts {
		p := fmt.Sprintf("terms[%d]", i)
		switch {
		case strings.TrimSpace(t.Version) == "":
			v.add(p+".version", "missing: name this version of the terms")
		case seen[t.Version]:
			v.add(p+".version", "%q is declared twice", t.Version)
		}
		seen[t.Version] = true
		v.date(p+".effective", t.Effective, "the day these terms take effect")
		if t.URL == "" && strings.TrimSpace(t.Text) == "" {
			v.add(p, "missing: give the terms as url or text")
		}
	}
}

// refs checks that every ID in a list of references is declared in the
// section named plural; an empty list is a problem when required.
func (v *validator) refs(field string, ids []string, declared map[string]bool, what, plural string, required bool) {
	if len(ids) == 0 && required {
		v.add(field, "missing: list at least one %s", what)
	}
	for j, id := range ids {
		if !declared[id] {
			v.add(fmt.Sprintf("%s[%d]", field, j), "%s %q is not declared in %s", what, id, plural)
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
	d, err := parsePeriodOf("retention period", s, maxPeriod)
	if err != nil {
		return 0, err
	}
	if d > MaxRetention {
		return 0, fmt.Errorf("%q is longer than the 10-year limit", s)
	}
	return d, nil
}

// parsePeriod parses a period in the syntax of ParseRetention, at most
// limit long.
func parsePeriod(s string, limit time.Duration) (time.Duration, error) {
	return parsePeriodOf("period", s, limit)
}

// parsePeriodOf is parsePeriod with the name of the period in its errors.
func parsePeriodOf(what, s string, limit time.Duration) (time.Duration, error) {
	m := retentionRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a %s: give a whole number and a unit h, d, w, mo or y, such as 30d", s, what)
	}
	n, _ := strconv.Atoi(m[1])
	if n == 0 {
		return 0, fmt.Errorf("%q is zero: give a positive %s", s, what)
	}
	if time.Duration(n) > limit/retentionUnits[m[2]] {
		return 0, fmt.Errorf("%q is longer than the %d-year limit", s, limit/retentionUnits["y"])
	}
	return time.Duration(n) * retentionUnits[m[2]], nil
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
