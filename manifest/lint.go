package manifest

import (
	"fmt"
	"slices"
	"strings"
)

// Lint checks a parsed manifest against the rules of Hearth's requirements
// (REQUIREMENTS.md): lawful bases, Art 9 conditions and explicit consent,
// consent as no precondition of the core function, consent for
// advertising, profiling and device access, an Art 22(2) basis for
// automated decisions, high-privacy defaults where children are likely
// users, recipients' roles, the information the notices need, and a
// minimal security-monitoring purpose (SEC-MONITOR), and an analytics
// purpose on consent that serves statistics only (PET-DP). It
// returns every problem, in line order, each citing its requirement; nil
// when the manifest is clean. Every problem is an error, and Hearth does
// not serve a manifest with any, except warnings (Problem.Warning): a
// category with free-form values, and no security purpose. Lint does not
// modify m.
func Lint(m *Manifest) Problems {
	v := &validator{file: m.file, lines: m.lines}
	l := linter{v: v, m: m}
	l.controller()
	l.models()
	l.categories()
	for i := range m.Purposes {
		l.purpose(fmt.Sprintf("purposes[%d]", i), &m.Purposes[i])
	}
	for i := range m.Features {
		l.feature(fmt.Sprintf("features[%d]", i), &m.Features[i])
	}
	l.recipients()
	l.terms()
	l.security()
	l.statistics()
	if len(v.ps) == 0 {
		return nil
	}
	return v.ps.sorted()
}

// Check parses and lints a manifest, reporting every problem of both at
// once, in line order. It returns the manifest only when no problem is an
// error; the problems are then the warnings, if any.
// `hearth manifest lint` and `hearth serve` use it.
func Check(name string, data []byte) (*Manifest, Problems) {
	m, ps := parse(name, data)
	if m == nil {
		return nil, ps
	}
	ps = append(ps, Lint(m)...).sorted()
	if len(ps.Errors()) > 0 {
		return nil, ps
	}
	if len(ps) == 0 {
		return m, nil
	}
	return m, ps
}

// linter applies the rules of Lint to one manifest.
type linter struct {
	v *validator
	m *Manifest
}

func (l linter) add(field, format string, args ...any) { l.v.add(field, format, args...) }

// controller: people must know who is responsible and how to reach them
// (NOTICE-CONTENT).
func (l linter) controller() {
	if strings.TrimSpace(l.m.Controller.Contact) == "" {
		l.add("controller.contact", "missing: give the e-mail address people use for privacy questions and requests (NOTICE-CONTENT)")
	}
	if strings.TrimSpace(l.m.Controller.Address) == "" {
		l.add("controller.address", "missing: give the controller's postal address (NOTICE-CONTENT)")
	}
}

// models: the service lifetime is published per model (LIFETIME-CLEAR).
func (l linter) models() {
	for i, d := range l.m.Models {
		if d.ServiceLifetime == "" {
			l.add(fmt.Sprintf("models[%d].service_lifetime", i), "missing: state the expected service lifetime, such as 10y (LIFETIME-CLEAR)")
		}
	}
}

// categories: every category serves a purpose (MIN-GATE), and location
// states the granularities it can be kept at (MIN-LOCATION).
func (l linter) categories() {
	for i, c := range l.m.Categories {
		p := fmt.Sprintf("categories[%d]", i)
		if len(l.m.PurposesUsing(c.ID)) == 0 {
			l.add(p+".id", "no purpose uses category %q: do not collect data without a purpose (MIN-GATE)", c.ID)
		}
		if c.FreeForm {
			l.v.ps = append(l.v.ps, Problem{File: l.v.file, Line: l.v.lines.line(p + ".free_form"), Field: p + ".free_form", Warning: true,
				Message: "readings of this category may carry any values: declare their fields and types instead, so nothing undeclared is collected (MIN-GATE)"})
		}
		if c.Kind == KindLocation && len(c.Granularities) == 0 {
			l.add(p+".granularities", "missing: list the granularities location can be kept at, finest first, such as [street, city] (MIN-LOCATION)")
		}
	}
}

// purpose applies the rules for one purpose.
func (l linter) purpose(p string, u *Purpose) {
	if u.Core && u.Basis == BasisConsent {
		l.add(p+".basis", "a core-function purpose cannot rest on consent: consent is not a precondition of the service; use contract (CONSENT-NOT-PRECONDITION)")
	}
	if u.Basis == BasisConsent && u.DefaultOn {
		l.add(p+".default_on", "a purpose on consent is off until the person consents; remove default_on (CONSENT-OPTIN)")
	}
	l.special(p, u)
	l.needsConsent(p, u)
	l.automated(p, u)
	l.children(p, u)
	if (u.Profiling || u.AutomatedDecision) && strings.TrimSpace(u.Effect) == "" {
		l.add(p+".effect", "missing: describe the decisions made and their effect on the person (NOTICE-CONTENT)")
	}
}

// special: special category data needs an Art 9 condition, and on consent
// explicit consent with its statement (BASIS-DECLARED, CONSENT-EXPLICIT).
func (l linter) special(p string, u *Purpose) {
	var special []string
	for _, id := range u.Categories {
		if c, ok := l.m.Category(id); ok && c.Special() {
			special = append(special, id)
		}
	}
	switch {
	case len(special) > 0 && u.Art9Condition == "":
		l.add(p+".art9_condition", "missing: the purpose uses special category data (%s) and needs an Art 9(2) condition (BASIS-DECLARED)", strings.Join(special, ", "))
	case len(special) > 0 && u.Basis == BasisConsent && u.Art9Condition != Art9ExplicitConsent:
		l.add(p+".art9_condition", "special category data on consent needs explicit consent: use explicit-consent (CONSENT-EXPLICIT)")
	}
	if u.Art9Condition == Art9ExplicitConsent || u.Art22Basis == Art9ExplicitConsent {
		l.explicit(p, u)
	}
}

// explicit: explicit consent is asked and recorded through the consent
// ledger, with the statement shown verbatim (CONSENT-EXPLICIT).
func (l linter) explicit(p string, u *Purpose) {
	if u.Basis != BasisConsent {
		l.add(p+".basis", "explicit consent is asked and recorded as consent: use basis consent (CONSENT-EXPLICIT)")
	}
	if strings.TrimSpace(u.Explicit) == "" {
		l.add(p+".explicit", "missing: give the explicit consent statement people agree to, recorded verbatim (CONSENT-EXPLICIT)")
	}
}

// needsConsent: marketing, advertising and profiling need consent
// (ADS-CONSENT), and so does storage or access on the device that is not
// strictly necessary for the core function (PECR-TERMINAL).
func (l linter) needsConsent(p string, u *Purpose) {
	if u.Basis == BasisConsent {
		return
	}
	var what []string
	for _, f := range []struct {
		on   bool
		name string
	}{{u.Marketing, "marketing"}, {u.Advertising, "advertising"}, {u.Profiling, "profiling"}} {
		if f.on {
			what = append(what, f.name)
		}
	}
	if len(what) == 1 {
		l.add(p+".basis", "%s needs consent: use basis consent (ADS-CONSENT)", what[0])
	} else if len(what) > 1 {
		l.add(p+".basis", "%s need consent: use basis consent (ADS-CONSENT)", strings.Join(what, " and "))
	}
	if u.DeviceAccess && !u.Core {
		l.add(p+".basis", "storing or reading information on the device for a purpose that is not strictly necessary needs consent: use basis consent (PECR-TERMINAL)")
	}
}

// automated: a solely automated decision with significant effect needs an
// Art 22(2) basis (RIGHT-ADM).
func (l linter) automated(p string, u *Purpose) {
	switch {
	case u.AutomatedDecision && u.Art22Basis == "":
		l.add(p+".art22_basis", "missing: a solely automated decision with significant effect needs an Art 22(2) basis: contract, law or explicit-consent (RIGHT-ADM)")
	case !u.AutomatedDecision && u.Art22Basis != "":
		l.add(p+".art22_basis", "set without automated_decision: mark the purpose automated_decision or remove art22_basis (RIGHT-ADM)")
	}
}

// children: where children are likely users, profiling, behavioural ads
// and precise location are off by default (DEFAULT-PRIVATE, ADS-CONSENT,
// MIN-LOCATION).
func (l linter) children(p string, u *Purpose) {
	if !l.m.ChildrenLikely || !u.DefaultOn {
		return
	}
	if u.Profiling || u.Advertising {
		l.add(p+".default_on", "children are likely users: profiling and advertising are off by default (DEFAULT-PRIVATE)")
	}
	if l.usesLocation(u) {
		l.add(p+".default_on", "children are likely users: location is off by default (DEFAULT-PRIVATE, MIN-LOCATION)")
	}
}

// usesLocation reports whether the purpose uses a location category.
func (l linter) usesLocation(u *Purpose) bool {
	for _, id := range u.Categories {
		if c, ok := l.m.Category(id); ok && c.Location() {
			return true
		}
	}
	return false
}

// feature applies the rules for one feature: implications are stated
// before it takes effect (USAGE-CHANGE), location choices match the
// location its purposes use, and children's products start private.
func (l linter) feature(p string, f *Feature) {
	if strings.TrimSpace(f.Implications) == "" {
		l.add(p+".implications", "missing: say in plain language what switching this feature on means for the person (USAGE-CHANGE)")
	}
	var ps []*Purpose
	for _, id := range f.Purposes {
		if u, ok := l.m.Purpose(id); ok {
			ps = append(ps, u)
		}
	}
	l.featureLocation(p, f, ps)
	if !l.m.ChildrenLikely || !f.DefaultOn {
		return
	}
	for _, u := range ps {
		if u.Profiling || u.Advertising || l.usesLocation(u) {
			l.add(p+".default_on", "children are likely users: a feature with profiling, advertising or location is off by default (DEFAULT-PRIVATE, MIN-LOCATION)")
			return
		}
	}
}

// featureLocation: a feature whose purposes use location offers the
// granularities the person may choose, each one its location categories
// can be kept at (MIN-LOCATION).
func (l linter) featureLocation(p string, f *Feature, ps []*Purpose) {
	var offered []string
	for _, u := range ps {
		for _, id := range u.Categories {
			if c, ok := l.m.Category(id); ok && c.Location() {
				offered = append(offered, c.Granularities...)
			}
		}
	}
	switch {
	case len(offered) == 0 && len(f.Granularities) > 0:
		l.add(p+".granularities", "the feature's purposes use no location category: remove granularities (MIN-LOCATION)")
	case len(offered) > 0 && len(f.Granularities) == 0:
		l.add(p+".granularities", "missing: the feature uses location; list the granularities the person may choose (MIN-LOCATION)")
	}
	for j, g := range f.Granularities {
		if len(offered) > 0 && !slices.Contains(offered, g) {
			l.add(fmt.Sprintf("%s.granularities[%d]", p, j), "%q is not a granularity of the location categories the feature uses (MIN-LOCATION)", g)
		}
	}
}

// recipients: each has a role, which decides what people are told and who
// answers their requests (NOTICE-CONTENT).
func (l linter) recipients() {
	for i, r := range l.m.Recipients {
		p := fmt.Sprintf("recipients[%d]", i)
		if !slices.Contains(Roles, r.Role) {
			l.add(p+".role", "%q is not a role; use one of %s (NOTICE-CONTENT)", r.Role, strings.Join(Roles, ", "))
		}
		if r.ErasureEndpoint == "" {
			l.add(p+".erasure_endpoint", "missing: give the endpoint erasure requests are sent to (RIGHT-ERASE)")
		}
		if r.Transfer == "" && r.Location != "" && !InUK(r.Location) {
			l.add(p+".transfer", "missing: %q is outside the United Kingdom; name the transfer's safeguard, such as UK adequacy regulations or the ICO's International Data Transfer Agreement (RECORDS)", r.Location)
		}
		if r.Transfer != "" && r.Location == "" {
			l.add(p+".location", "missing: a transfer is declared; say where the recipient processes the data (RECORDS)")
		}
	}
}

// InUK reports whether a recipient's declared location is the United
// Kingdom alone ("United Kingdom" or "UK", in any case): data sent there
// is no restricted transfer.
func InUK(location string) bool {
	l := strings.ToLower(strings.TrimSpace(location))
	return l == "united kingdom" || l == "uk"
}

// terms: each version states its expected duration (TOS-DURATION).
func (l linter) terms() {
	for i, t := range l.m.Terms {
		p := fmt.Sprintf("terms[%d].expected_duration", i)
		if t.ExpectedDuration == "" {
			l.add(p, "missing: state how long these terms are expected to last, such as 5y (TOS-DURATION)")
		} else if _, err := parsePeriod(t.ExpectedDuration, maxPeriod); err != nil {
			l.add(p, "%v (TOS-DURATION)", err)
		}
	}
}
