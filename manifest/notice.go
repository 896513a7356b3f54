package manifest

import (
	"fmt"
	"strings"
)

// NoticeDoc is the privacy notice of a product, built from its manifest
// (NOTICE-CONTENT): who the controller is, what data is used for what, on
// which basis, kept how long, shared with whom, the decisions made, the
// features that switch processing on, the rights people have and how to
// use each, and the support periods. Its renderers (HTML, ChildHTML, JSON,
// Text) write the same content for different audiences (NOTICE-LAYERED,
// NOTICE-AUDIENCE); none contains a consent control (NOTICE-SEPARATE).
type NoticeDoc struct {
	Version        string            `json:"version"` // the manifest version it was built from
	Controller     Controller        `json:"controller"`
	Products       string            `json:"products"` // the model names, joined
	ChildrenLikely bool              `json:"children_likely"`
	Summary        []string          `json:"summary"`
	Purposes       []NoticePurpose   `json:"purposes"`
	Categories     []NoticeCategory  `json:"categories"`
	Recipients     []NoticeRecipient `json:"recipients"`
	Decisions      []NoticeDecision  `json:"decisions"`
	Features       []NoticeFeature   `json:"features"`
	Rights         []NoticeRight     `json:"rights"`
	Models         []NoticeModel     `json:"models"`
}

// NoticeRef names a declared item: its ID and its plain-language name.
type NoticeRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// NoticePurpose is one purpose as the notice states it.
type NoticePurpose struct {
	NoticeRef
	Description string `json:"description,omitempty"`
	Basis       string `json:"basis"`      // the Art 6 basis ID
	BasisText   string `json:"basis_text"` // the basis in plain language
	Condition   string `json:"condition"`  // the Art 9 condition in plain language; "" if none
	Optional    bool   `json:"optional"`   // on consent: only if the person agrees
	Core        bool   `json:"core"`       // needed for the core function
	Security    bool   `json:"security"`   // security monitoring, for security only (SEC-MONITOR)
	// Statistics, for the analytics purpose, says how its statistics
	// protect people (PET-DP); "" for the other purposes.
	Statistics string      `json:"statistics,omitempty"`
	Categories []NoticeRef `json:"categories"` // the data it uses
	Recipients []NoticeRef `json:"recipients"` // who receives data for it
	Features   []NoticeRef `json:"features"`   // features that switch it on
	Retention  []string    `json:"retention"`  // per category: "Room temperature: 1 year"
}

// NoticeCategory is one data category as the notice states it.
type NoticeCategory struct {
	NoticeRef
	Kind          string   `json:"kind"`
	KindText      string   `json:"kind_text"`
	Description   string   `json:"description,omitempty"`
	Retention     string   `json:"retention"` // such as "30 days"
	Granularities []string `json:"granularities,omitempty"`
	// Fields are the values a reading holds, such as "celsius (°C)";
	// FreeForm says a reading may hold any values instead.
	Fields   []string `json:"fields,omitempty"`
	FreeForm bool     `json:"free_form,omitempty"`
}

// NoticeRecipient is one recipient as the notice states it.
type NoticeRecipient struct {
	NoticeRef
	Role        string      `json:"role"`
	RoleText    string      `json:"role_text"`
	Description string      `json:"description,omitempty"`
	Categories  []NoticeRef `json:"categories"`
}

// NoticeDecision is a purpose that profiles or decides automatically, and
// its effect on the person.
type NoticeDecision struct {
	Purpose   NoticeRef `json:"purpose"`
	Automated bool      `json:"automated"` // solely automated, with significant effect
	Effect    string    `json:"effect"`
}

// NoticeFeature is an optional feature and what switching it on means.
type NoticeFeature struct {
	NoticeRef
	Implications string `json:"implications"`
}

// NoticeRight is a right and how to use it.
type NoticeRight struct {
	ID   string `json:"id"` // access, export, correction, erasure, restriction, objection, withdraw-consent, adm-review, complain
	Name string `json:"name"`
	How  string `json:"how"`
}

// NoticeModel is a device model's support periods and repair information
// (LIFETIME-CLEAR, REPAIR-INFO).
type NoticeModel struct {
	NoticeRef
	// Categories are the data categories the model produces: the server
	// refuses any other from its devices (MIN-GATE).
	Categories      []NoticeRef    `json:"categories"`
	SupportEnd      string         `json:"support_end"`
	ServiceLifetime string         `json:"service_lifetime,omitempty"` // such as "10 years"
	SupportLevels   []SupportLevel `json:"support_levels,omitempty"`
	Repair          *Repair        `json:"repair,omitempty"`
}

// Notice builds the privacy notice of a parsed manifest. It does no I/O
// and does not modify m.
func Notice(m *Manifest) NoticeDoc {
	d := NoticeDoc{Version: m.Version, Controller: m.Controller, ChildrenLikely: m.ChildrenLikely}
	var names []string
	for _, md := range m.Models {
		names = append(names, nameOr(md.Name, md.ID))
		d.Models = append(d.Models, NoticeModel{NoticeRef: ref(md.ID, md.Name), Categories: categoryRefs(m, md.Categories), SupportEnd: md.SupportEnd,
			ServiceLifetime: HumanPeriod(md.ServiceLifetime), SupportLevels: md.SupportLevels, Repair: md.Repair})
	}
	d.Products = strings.Join(names, ", ")
	for _, c := range m.Categories {
		d.Categories = append(d.Categories, NoticeCategory{NoticeRef: ref(c.ID, c.Name), Kind: c.Kind,
			KindText: kindText[c.Kind], Description: c.Description, Retention: HumanPeriod(c.Retention), Granularities: c.Granularities,
			Fields: valueFields(&c), FreeForm: c.FreeForm})
	}
	for i := range m.Purposes {
		d.Purposes = append(d.Purposes, noticePurpose(m, &m.Purposes[i]))
		if p := &m.Purposes[i]; p.Profiling || p.AutomatedDecision {
			d.Decisions = append(d.Decisions, NoticeDecision{Purpose: ref(p.ID, p.Name), Automated: p.AutomatedDecision, Effect: p.Effect})
		}
	}
	for _, r := range m.Recipients {
		d.Recipients = append(d.Recipients, NoticeRecipient{NoticeRef: ref(r.ID, r.Name), Role: r.Role,
			RoleText: roleText[r.Role], Description: r.Description, Categories: categoryRefs(m, r.Categories)})
	}
	for _, f := range m.Features {
		d.Features = append(d.Features, NoticeFeature{NoticeRef: ref(f.ID, f.Name), Implications: f.Implications})
	}
	d.Rights = rights(m)
	d.Summary = summary(m, d)
	return d
}

func noticePurpose(m *Manifest, p *Purpose) NoticePurpose {
	np := NoticePurpose{NoticeRef: ref(p.ID, p.Name), Description: p.Description, Basis: p.Basis,
		BasisText: basisText[p.Basis], Condition: art9Text[p.Art9Condition], Optional: p.OnConsent(), Core: p.Core, Security: p.Security,
		Categories: categoryRefs(m, p.Categories), Statistics: statisticsText(p.Statistics)}
	for _, id := range p.Recipients {
		if r, ok := m.Recipient(id); ok {
			np.Recipients = append(np.Recipients, ref(r.ID, r.Name))
		}
	}
	for _, f := range m.FeaturesFor(p.ID) {
		np.Features = append(np.Features, ref(f.ID, f.Name))
	}
	for _, id := range p.Categories {
		if c, ok := m.Category(id); ok {
			np.Retention = append(np.Retention, nameOr(c.Name, c.ID)+": "+HumanPeriod(c.Retention))
		}
	}
	return np
}

func categoryRefs(m *Manifest, ids []string) []NoticeRef {
	var rs []NoticeRef
	for _, id := range ids {
		if c, ok := m.Category(id); ok {
			rs = append(rs, ref(c.ID, c.Name))
		}
	}
	return rs
}

// summary is the first layer of the notice: a few sentences.
func summary(m *Manifest, d NoticeDoc) []string {
	var core, optional []string
	for _, p := range d.Purposes {
		if p.Optional {
			optional = append(optional, strings.ToLower(p.Name))
		} else {
			core = append(core, strings.ToLower(p.Name))
		}
	}
	s := []string{fmt.Sprintf("%s is responsible for the data your %s produce.", m.Controller.Name, d.Products)}
	if len(core) > 0 {
		s = append(s, "We use it to "+joinAnd(core)+".")
	}
	if len(optional) > 0 {
		s = append(s, "Only if you agree, we also use it to "+joinAnd(optional)+"; you can change your mind at any time.")
	}
	if len(d.Recipients) == 0 {
		s = append(s, "We share it with no one.")
	} else {
		s = append(s, fmt.Sprintf("We share some of it with %d other organisations, named below.", len(d.Recipients)))
	}
	s = append(s, "We keep it no longer than stated for each kind of data, and you can see, download, correct or delete it at any time.")
	return s
}

func ref(id, name string) NoticeRef { return NoticeRef{ID: id, Name: nameOr(name, id)} }

func nameOr(name, id string) string {
	if strings.TrimSpace(name) == "" {
		return id
	}
	return name
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// HumanPeriod writes a period such as "30d" in words, "30 days"; it returns
// a value it cannot read unchanged.
func HumanPeriod(s string) string {
	m := retentionRE.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	unit := map[string]string{"h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year"}[m[2]]
	if m[1] != "1" {
		unit += "s"
	}
	return m[1] + " " + unit
}

var basisText = map[string]string{
	BasisConsent:             "your consent, which you can withdraw at any time",
	BasisContract:            "it is needed to provide the service you asked for (contract)",
	BasisLegalObligation:     "the law requires it (legal obligation)",
	BasisVitalInterests:      "it protects someone's life (vital interests)",
	BasisPublicTask:          "a task in the public interest (public task)",
	BasisLegitimateInterests: "our legitimate interests, which you can object to",
}

var art9Text = map[string]string{
	Art9ExplicitConsent:           "your explicit consent",
	"employment-social-security":  "employment and social security law",
	"vital-interests":             "protecting someone's life when they cannot consent",
	"not-for-profit-body":         "the activities of a not-for-profit body",
	"made-public":                 "data you have made public yourself",
	"legal-claims":                "legal claims",
	"substantial-public-interest": "a substantial public interest set out in law",
	"health-social-care":          "health or social care",
	"public-health":               "public health",
	"archiving-research":          "archiving, research or statistics",
}

var kindText = map[string]string{
	KindPersonal:  "personal data",
	KindSpecial:   "special category data, protected more strictly by law",
	KindLocation:  "location data",
	KindTechnical: "technical data about the device",
}

var roleText = map[string]string{
	RoleProcessor:             "processes data for us, only on our instructions (processor)",
	RoleJointController:       "decides with us how the data is used (joint controller)",
	RoleIndependentController: "decides itself how it uses the data, under its own privacy notice (independent controller)",
}

// valueFields lists a category's value fields for the notice, with their
// units; a location category's are its latitude and longitude.
func valueFields(c *Category) []string {
	if c.Kind == KindLocation {
		return []string{"lat (degrees)", "lon (degrees)"}
	}
	var out []string
	for _, f := range c.Values {
		if f.Unit != "" {
			out = append(out, f.Field+" ("+f.Unit+")")
		} else {
			out = append(out, f.Field)
		}
	}
	return out
}

// statisticsText says in plain words how the analytics purpose's
// statistics protect people (PET-DP), or "" for nil.
func statisticsText(s *Statistics) string {
	if s == nil {
		return ""
	}
	return fmt.Sprintf("Used only for statistics about many households together, never about one: each number has random noise added "+
		"(differential privacy, at most ε = %g for each kind of data, over all statistics ever made from it), "+
		"and a number is published only when a count of the households in it, with noise added too, is at least %d.", s.Epsilon, s.Groups())
}
