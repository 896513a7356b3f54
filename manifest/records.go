package manifest

import (
	"fmt"
	"io"
	"strings"
)

// RecordsDoc is the record of processing activities (UK GDPR Art 30) and
// the DPIA screening of a product, generated from its manifest (RECORDS):
// the controller and its contacts, each purpose as a processing activity
// (basis, categories of data and of people, recipients with their roles,
// transfers, retention), the recipients, the safeguards, and which
// high-risk criteria the declaration meets. Markdown and HTML write the
// same content.
type RecordsDoc struct {
	Version    string     `json:"version"` // the manifest version it was built from
	Controller Controller `json:"controller"`
	Products   string     `json:"products"` // the model names, joined
	// Subjects are the categories of people whose data is processed.
	Subjects   []string          `json:"subjects"`
	Activities []RecordActivity  `json:"activities"`
	Categories []NoticeCategory  `json:"categories"`
	Recipients []RecordRecipient `json:"recipients"`
	Safeguards []Safeguard       `json:"safeguards"`
	Screening  DPIAScreening     `json:"dpia_screening"`
}

// RecordActivity is one purpose as a processing activity of the record.
type RecordActivity struct {
	NoticeRef
	Description string      `json:"description,omitempty"`
	Basis       string      `json:"basis"`               // the Art 6 basis ID
	Condition   string      `json:"condition,omitempty"` // the Art 9(2) condition ID; "" if none
	Art22Basis  string      `json:"art22_basis,omitempty"`
	Core        bool        `json:"core"`
	Optional    bool        `json:"optional"`        // on consent
	Flags       []string    `json:"flags,omitempty"` // marketing, advertising, profiling, automated decision, device access, security
	Categories  []NoticeRef `json:"categories"`
	Recipients  []RecordRef `json:"recipients,omitempty"`
	Retention   []string    `json:"retention"` // per category: "Room temperature: 1 year"
}

// RecordRef names a recipient of an activity with its role.
type RecordRef struct {
	NoticeRef
	Role string `json:"role"`
}

// RecordRecipient is one recipient as the record states it: its role
// (processor, joint controller, independent controller), what it
// receives, for which purposes, where it processes the data and the
// safeguard of a transfer outside the United Kingdom.
type RecordRecipient struct {
	NoticeRef
	Role        string      `json:"role"`
	RoleText    string      `json:"role_text"`
	Description string      `json:"description,omitempty"`
	Categories  []NoticeRef `json:"categories"`
	Purposes    []NoticeRef `json:"purposes"`
	// Location is where it processes the data; "" when the manifest does
	// not say.
	Location string `json:"location,omitempty"`
	// Transfer is the safeguard of a transfer outside the United Kingdom;
	// "" when there is none or the manifest does not say.
	Transfer string `json:"transfer,omitempty"`
	// Restricted says the declared location is outside the United
	// Kingdom.
	Restricted bool `json:"restricted"`
}

// Safeguard is one technical or organisational security measure, with
// the requirement whose tests show it and where it comes from: "hearth"
// for a measure the server enforces on every product, "manifest" for one
// the declaration states.
type Safeguard struct {
	Measure     string `json:"measure"`
	Requirement string `json:"requirement"`
	Source      string `json:"source"`
}

// DPIA screening statuses of a criterion.
const (
	CriterionMet    = "met" // the manifest shows it
	CriterionNotMet = "not-met"
	// CriterionAssess: the manifest cannot show it either way; the
	// controller must judge it.
	CriterionAssess = "assess"
)

// DPIAScreening screens a manifest against the criteria of processing
// likely to result in a high risk (UK GDPR Art 35, the ICO's list of
// processing that requires a DPIA, and its consumer IoT guidance).
type DPIAScreening struct {
	Criteria []DPIACriterion `json:"criteria"`
	// Required says a criterion is met: a DPIA must be done before the
	// processing starts.
	Required   bool   `json:"required"`
	Conclusion string `json:"conclusion"`
}

// DPIACriterion is one high-risk criterion, its status, and the manifest
// facts that meet it (or why the manifest cannot tell).
type DPIACriterion struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Source string   `json:"source"` // where the criterion comes from
	Status string   `json:"status"` // CriterionMet, CriterionNotMet or CriterionAssess
	Facts  []string `json:"facts"`
}

// Records builds the record of processing activities and the DPIA
// screening of a parsed manifest. It does no I/O and does not modify m.
func Records(m *Manifest) RecordsDoc {
	n := Notice(m)
	d := RecordsDoc{Version: m.Version, Controller: m.Controller, Products: n.Products, Categories: n.Categories}
	d.Subjects = []string{
		"Household members with an account (account holders and other adult members)",
		"People in the household without an account, given a profile by a member (RIGHT-UNREGISTERED)",
	}
	if m.ChildrenLikely {
		d.Subjects = append(d.Subjects, "Children: the manifest declares children likely users (children_likely)")
	}
	for i := range m.Purposes {
		d.Activities = append(d.Activities, recordActivity(m, &m.Purposes[i]))
	}
	for _, r := range m.Recipients {
		rr := RecordRecipient{NoticeRef: ref(r.ID, r.Name), Role: r.Role, RoleText: roleText[r.Role], Description: r.Description,
			Categories: categoryRefs(m, r.Categories), Location: r.Location, Transfer: r.Transfer,
			Restricted: r.Location != "" && !InUK(r.Location)}
		for _, p := range m.Purposes {
			for _, id := range p.Recipients {
				if id == r.ID {
					rr.Purposes = append(rr.Purposes, ref(p.ID, p.Name))
				}
			}
		}
		d.Recipients = append(d.Recipients, rr)
	}
	d.Safeguards = safeguards(m)
	d.Screening = screen(m)
	return d
}

func recordActivity(m *Manifest, p *Purpose) RecordActivity {
	np := noticePurpose(m, p)
	a := RecordActivity{NoticeRef: np.NoticeRef, Description: p.Description, Basis: p.Basis, Condition: p.Art9Condition,
		Art22Basis: p.Art22Basis, Core: p.Core, Optional: p.OnConsent(), Categories: np.Categories, Retention: np.Retention}
	for _, f := range []struct {
		on   bool
		name string
	}{{p.Marketing, "marketing"}, {p.Advertising, "advertising"}, {p.Profiling, "profiling"},
		{p.AutomatedDecision, "solely automated decision (Art 22)"}, {p.DeviceAccess, "reads or stores information on the device (PECR)"},
		{p.Security, "security monitoring only"}} {
		if f.on {
			a.Flags = append(a.Flags, f.name)
		}
	}
	for _, id := range p.Recipients {
		if r, ok := m.Recipient(id); ok {
			a.Recipients = append(a.Recipients, RecordRef{NoticeRef: ref(r.ID, r.Name), Role: r.Role})
		}
	}
	return a
}

// hearthSafeguards are the measures the server enforces whatever the
// manifest, each with the requirement whose tests show it.
var hearthSafeguards = []Safeguard{
	{"Every reading is sealed at rest with the data key of the person it is about (AES-256-GCM, a key per person); the key-encryption key is kept outside the data directory.", "SEC-ENCRYPT", "hearth"},
	{"HTTP and MQTT are served over TLS; plaintext only on a loopback address, or behind a TLS-terminating proxy with --insecure.", "SEC-ENCRYPT", "hearth"},
	{"Erasing a person destroys their data key, which also leaves their data in backups unreadable (crypto-shredding), and the erasure is sent to every recipient.", "RIGHT-ERASE", "hearth"},
	{"Each device has its own credential; passwords are at least 8 characters and checked against common and breached passwords.", "SEC-NO-DEFAULT-PW", "hearth"},
	{"Sign-in and device authentication are rate-limited, without revealing which accounts exist.", "SEC-BRUTE", "hearth"},
	{"Every route checks that the caller may touch the household, device or person it names.", "SEC-AUTHZ", "hearth"},
	{"Operators use the console only after enrolling a second factor.", "SEC-MFA", "hearth"},
	{"Data the manifest does not declare for a purpose with an active basis for that person is refused at ingestion and never stored.", "MIN-GATE", "hearth"},
	{"Data is erased automatically when its category's retention period ends.", "RETENTION", "hearth"},
	{"The consent ledger is hash-chained: altering an entry is detected.", "CONSENT-LEDGER", "hearth"},
	{"Firmware releases are signed and verified by the device before it installs them; an older version than the installed one is refused.", "SEC-UPDATES", "hearth"},
}

// safeguards are Hearth's own measures, then those the manifest states:
// its security-monitoring purposes, its statistics purpose's privacy
// budget, and its models' security-update periods.
func safeguards(m *Manifest) []Safeguard {
	s := append([]Safeguard(nil), hearthSafeguards...)
	for _, p := range m.Purposes {
		if !p.Security {
			continue
		}
		var cs []string
		for _, r := range categoryRefs(m, p.Categories) {
			cs = append(cs, r.Name)
		}
		s = append(s, Safeguard{fmt.Sprintf("Security monitoring (%s) collects %s, for security only.", nameOr(p.Name, p.ID), joinAnd(cs)), "SEC-MONITOR", "manifest"})
	}
	for _, p := range m.Purposes {
		if st := p.Statistics; st != nil {
			minGroup := st.MinGroup
			if minGroup == 0 {
				minGroup = DefaultMinGroup
			}
			s = append(s, Safeguard{fmt.Sprintf("%s: only differentially private aggregates over the people who consented, each dataset's privacy budget ε %g in all, and a statistic whose noisy count of households is below %d is withheld.",
				nameOr(p.Name, p.ID), st.Epsilon, minGroup), "PET-DP", "manifest"})
		}
	}
	for _, md := range m.Models {
		s = append(s, Safeguard{fmt.Sprintf("%s receives security updates until %s.", nameOr(md.Name, md.ID), md.SupportEnd), "LIFETIME-CLEAR", "manifest"})
	}
	return s
}

// Sources of the DPIA screening's criteria.
const (
	srcArt35a  = "UK GDPR Art 35(3)(a): always requires a DPIA"
	srcSpecial = "UK GDPR Art 35(3)(b) (large scale), and the ICO consumer IoT guidance on health and biometric data"
	srcICO     = "the ICO's list of processing that requires a DPIA"
	srcIoT     = "the ICO consumer IoT guidance: most IoT processing about people's private lives is likely high risk"
)

// screen checks the manifest against each high-risk criterion.
func screen(m *Manifest) DPIAScreening {
	var special, biometric, location, personal []string
	for _, c := range m.Categories {
		name := fmt.Sprintf("%s (%s)", nameOr(c.Name, c.ID), c.ID)
		switch c.Kind {
		case KindSpecial:
			special = append(special, fmt.Sprintf("category %s is special category data (%s)", name, c.SpecialType))
			if c.SpecialType == "biometric-identification" || c.SpecialType == "genetic" {
				biometric = append(biometric, fmt.Sprintf("category %s is %s data", name, c.SpecialType))
			}
		case KindLocation:
			location = append(location, fmt.Sprintf("category %s is location data, at %s", name, strings.Join(c.Granularities, ", ")))
		}
	}
	for _, md := range m.Models {
		var cs []string
		for _, id := range md.Categories {
			if c, ok := m.Category(id); ok && c.Kind != KindTechnical {
				cs = append(cs, nameOr(c.Name, c.ID))
			}
		}
		if len(cs) > 0 {
			personal = append(personal, fmt.Sprintf("model %s (%s) produces data about the people who use it: %s", nameOr(md.Name, md.ID), md.ID, joinAnd(cs)))
		}
	}
	var profiling, automated, ads []string
	for _, p := range m.Purposes {
		name := fmt.Sprintf("purpose %s (%s)", nameOr(p.Name, p.ID), p.ID)
		if p.AutomatedDecision {
			automated = append(automated, fmt.Sprintf("%s makes solely automated decisions with significant effect (automated_decision): %s", name, p.Effect))
		}
		if p.Profiling {
			profiling = append(profiling, name+" profiles people (profiling)")
		}
		if p.Advertising || p.Marketing {
			ads = append(ads, name+" is used for marketing or advertising")
		}
	}
	cs := []DPIACriterion{
		criterion("profiling-significant", "Systematic and extensive profiling on which significant decisions are based", srcArt35a, automated, "no purpose makes solely automated decisions with significant effect"),
		criterion("special-category", "Special category data (health, biometric, genetic, …)", srcSpecial, special, "no category is special category data"),
		criterion("children", "Offering the product to children, or children likely to use it", srcICO, when(m.ChildrenLikely, "the manifest declares children likely users (children_likely: true)"), "the manifest does not declare children likely users"),
		criterion("biometric-genetic", "Biometric data to identify people, or genetic data", srcICO, biometric, "no category is biometric-identification or genetic data"),
		criterion("tracking-location", "Tracking people's geolocation", srcICO, location, "no category is location data"),
		criterion("profiling", "Profiling or evaluating people, including for marketing and advertising", srcICO, append(profiling, ads...), "no purpose profiles people or serves marketing or advertising"),
		criterion("denial-of-service", "Decisions about access to a service or its terms based on automated decision-making", srcICO, automated, "no purpose makes solely automated decisions"),
		criterion("monitoring-home", "Systematic monitoring of people's private lives (their household, habits, location, health)", srcIoT, personal, "every category the models produce is technical data about the device"),
		{ID: "large-scale", Name: "Large-scale processing, or matching data sets from different sources", Source: srcICO, Status: CriterionAssess,
			Facts: []string{"the manifest does not declare how many people or which other data sets: the controller judges this"}},
		{ID: "innovative-technology", Name: "Innovative technology, or a novel use of existing technology (the ICO names smart and wearable technology and some IoT applications)", Source: srcICO, Status: CriterionAssess,
			Facts: []string{"the manifest does not say how novel the product is: the controller judges this"}},
	}
	s := DPIAScreening{Criteria: cs}
	var met []string
	for _, c := range cs {
		if c.Status == CriterionMet {
			met = append(met, c.ID)
		}
	}
	if len(met) > 0 {
		s.Required = true
		s.Conclusion = fmt.Sprintf("A DPIA is required before the processing starts: the manifest meets %d high-risk criteria (%s).", len(met), strings.Join(met, ", "))
	} else {
		s.Conclusion = "The manifest meets no high-risk criterion; judge the criteria marked assess, keep this screening, and screen again when the processing changes."
	}
	return s
}

func criterion(id, name, source string, facts []string, none string) DPIACriterion {
	if len(facts) == 0 {
		return DPIACriterion{ID: id, Name: name, Source: source, Status: CriterionNotMet, Facts: []string{none}}
	}
	return DPIACriterion{ID: id, Name: name, Source: source, Status: CriterionMet, Facts: facts}
}

func when(ok bool, fact string) []string {
	if ok {
		return []string{fact}
	}
	return nil
}

// Markdown writes the record and the screening as a Markdown document. It
// returns the error of writing to w.
func (d RecordsDoc) Markdown(w io.Writer) error {
	if err := recordsMD.Execute(w, d); err != nil {
		return fmt.Errorf("render records: %w", err)
	}
	return nil
}

// HTML writes the record and the screening as an HTML page; every value is
// HTML-escaped. It returns the error of writing to w.
func (d RecordsDoc) HTML(w io.Writer) error {
	return execute(w, recordsHTML, d, "render records")
}
