// Package manifest parses, lints and renders Hearth's privacy manifest: the
// one declaration of a product (its controller, device models, data
// categories, purposes, features, recipients and terms) that the server
// enforces and that its notices are generated from.
//
// Parse checks structure: types, identifiers, references between sections
// and the values of enumerated fields. Lint checks the declaration against
// the law (REQUIREMENTS.md): a manifest Hearth serves must pass both.
// A parsed *Manifest is read-only and safe for concurrent use.
package manifest

// Manifest is a parsed privacy manifest.
type Manifest struct {
	Format     int        `yaml:"format" json:"format"`   // manifest format version; 1
	Version    string     `yaml:"version" json:"version"` // the manufacturer's version of this declaration
	Controller Controller `yaml:"controller" json:"controller"`
	Models     []Model    `yaml:"models" json:"models"`
	Categories []Category `yaml:"categories" json:"categories"`
	Purposes   []Purpose  `yaml:"purposes" json:"purposes"`
	// Features are the product's optional features and the purposes each
	// switches on.
	Features   []Feature   `yaml:"features,omitempty" json:"features,omitempty"`
	Recipients []Recipient `yaml:"recipients,omitempty" json:"recipients,omitempty"`
	// ChildrenLikely says children are likely users of the product: the
	// product then runs in high-privacy mode (DEFAULT-PRIVATE) and a
	// child-friendly notice is published (NOTICE-AUDIENCE).
	ChildrenLikely bool            `yaml:"children_likely,omitempty" json:"children_likely,omitempty"`
	Consent        ConsentSettings `yaml:"consent,omitempty" json:"consent,omitempty"`
	// Terms are the versions of the terms of service, oldest first.
	Terms []TermsVersion `yaml:"terms,omitempty" json:"terms,omitempty"`

	file  string // the name given to Parse, for Lint's problems
	lines lines  // field path → line, for Lint's problems

	categories    map[string]*Category
	models        map[string]*Model
	purposes      map[string]*Purpose
	features      map[string]*Feature
	recipients    map[string]*Recipient
	purposesUsing map[string][]*Purpose
}

// Controller is the organisation responsible for the processing, and how
// people reach it.
type Controller struct {
	Name    string `yaml:"name" json:"name"`
	Contact string `yaml:"contact,omitempty" json:"contact,omitempty"` // e-mail address for privacy questions and requests
	Address string `yaml:"address,omitempty" json:"address,omitempty"` // postal address
	DPO     string `yaml:"dpo,omitempty" json:"dpo,omitempty"`         // data protection officer's contact; optional
}

// Model is a device model in the product catalogue.
type Model struct {
	ID         string   `yaml:"id" json:"id"`
	Name       string   `yaml:"name" json:"name"`
	SupportEnd string   `yaml:"support_end" json:"support_end"` // YYYY-MM-DD: last day of security updates
	Categories []string `yaml:"categories" json:"categories"`   // the categories this model produces
	// ServiceLifetime is the expected service lifetime from purchase, a
	// period such as "10y" (LIFETIME-CLEAR).
	ServiceLifetime string         `yaml:"service_lifetime,omitempty" json:"service_lifetime,omitempty"`
	SupportLevels   []SupportLevel `yaml:"support_levels,omitempty" json:"support_levels,omitempty"`
	Repair          *Repair        `yaml:"repair,omitempty" json:"repair,omitempty"` // REPAIR-INFO
}

// SupportLevel is one kind of support a model gets, and until when, such
// as feature updates or customer support.
type SupportLevel struct {
	Name        string `yaml:"name" json:"name"`
	Until       string `yaml:"until" json:"until"` // YYYY-MM-DD
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
}

// Repair is a model's repair and spare-parts information (REPAIR-INFO).
type Repair struct {
	Info       string      `yaml:"info,omitempty" json:"info,omitempty"` // how to get it repaired: text or a URL
	URL        string      `yaml:"url,omitempty" json:"url,omitempty"`   // repair manuals and guides
	SpareParts []SparePart `yaml:"spare_parts,omitempty" json:"spare_parts,omitempty"`
}

// SparePart is a part sold for repair, and until when.
type SparePart struct {
	Name  string `yaml:"name" json:"name"`
	Until string `yaml:"until" json:"until"` // YYYY-MM-DD: last day it is sold
}

// Category is a data category a device produces.
type Category struct {
	ID        string `yaml:"id" json:"id"`
	Name      string `yaml:"name" json:"name"`
	Kind      string `yaml:"kind" json:"kind"`           // personal, special, location, technical (Kinds)
	Retention string `yaml:"retention" json:"retention"` // a duration such as 30d, 12h, 1y
	// SpecialType is the Art 9 type of a "special" category, one of
	// SpecialTypes; required for that kind, empty for the others.
	SpecialType string `yaml:"special_type,omitempty" json:"special_type,omitempty"`
	// Granularities are the precisions a "location" category can be
	// stored at, finest first, from Granularities (MIN-LOCATION).
	Granularities []string `yaml:"granularities,omitempty" json:"granularities,omitempty"`
	Description   string   `yaml:"description,omitempty" json:"description,omitempty"`
	// Values is the shape of a reading's values object: every field a
	// reading of this category may carry, with its type. A reading with
	// any other field, or a value of another type, is refused at
	// ingestion (MIN-GATE). A location category declares none: its values
	// are always {"lat": degrees, "lon": degrees}.
	Values []ValueField `yaml:"values,omitempty" json:"values,omitempty"`
	// FreeForm lets readings of this category carry any values object
	// instead of declared Values. Lint warns about it: nothing then limits
	// what a device sends under the category.
	FreeForm bool `yaml:"free_form,omitempty" json:"free_form,omitempty"`
}

// ValueField is one field of a category's values object.
type ValueField struct {
	Field string `yaml:"field" json:"field"` // the key in the values object
	Type  string `yaml:"type" json:"type"`   // number, integer, string or boolean (ValueTypes)
	Unit  string `yaml:"unit,omitempty" json:"unit,omitempty"`
	// Description says what the value is, for the notice and developers.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
}

// Purpose is a reason data is processed.
type Purpose struct {
	ID         string   `yaml:"id" json:"id"`
	Name       string   `yaml:"name" json:"name"`
	Basis      string   `yaml:"basis" json:"basis"` // UK GDPR Art 6 basis, one of Bases
	Categories []string `yaml:"categories" json:"categories"`
	Core       bool     `yaml:"core" json:"core"` // necessary for the product's core function
	// Description says, in plain language, what is done and why.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Art9Condition is the UK GDPR Art 9(2) condition for special category
	// data, one of Art9Conditions; required when a category is special.
	Art9Condition string `yaml:"art9_condition,omitempty" json:"art9_condition,omitempty"`
	// Explicit is the explicit consent statement shown to the person,
	// recorded verbatim when they agree (CONSENT-EXPLICIT).
	Explicit    string `yaml:"explicit,omitempty" json:"explicit,omitempty"`
	Marketing   bool   `yaml:"marketing,omitempty" json:"marketing,omitempty"`
	Advertising bool   `yaml:"advertising,omitempty" json:"advertising,omitempty"`
	Profiling   bool   `yaml:"profiling,omitempty" json:"profiling,omitempty"`
	// AutomatedDecision marks a solely automated decision with legal or
	// similarly significant effect (UK GDPR Art 22); it needs Art22Basis.
	AutomatedDecision bool   `yaml:"automated_decision,omitempty" json:"automated_decision,omitempty"`
	Art22Basis        string `yaml:"art22_basis,omitempty" json:"art22_basis,omitempty"` // one of Art22Bases
	// Effect describes the decisions made and their effect on the person
	// (NOTICE-CONTENT); expected for profiling and automated decisions.
	Effect string `yaml:"effect,omitempty" json:"effect,omitempty"`
	// DeviceAccess marks storing or reading information on the device
	// (terminal equipment, PECR reg 6).
	DeviceAccess bool `yaml:"device_access,omitempty" json:"device_access,omitempty"`
	// DefaultOn is whether a purpose not on consent starts switched on;
	// a consent purpose is always off until consent (CONSENT-OPTIN).
	DefaultOn  bool     `yaml:"default_on,omitempty" json:"default_on,omitempty"`
	Recipients []string `yaml:"recipients,omitempty" json:"recipients,omitempty"` // recipient IDs
	// Security marks the security-monitoring purpose (SEC-MONITOR): what
	// the devices and the server collect to keep them secure (firmware
	// versions, device health, authentication failures), for security
	// only. Lint keeps it minimal: its categories are technical, serve no
	// other purpose and are kept at most MaxSecurityRetention.
	Security bool `yaml:"security,omitempty" json:"security,omitempty"`
	// Statistics makes this the analytics purpose (PET-DP): its categories
	// are used for differentially private aggregate statistics only,
	// over the people who consented to it, within the privacy budget it
	// declares. At most one purpose has it; nil for the others.
	Statistics *Statistics `yaml:"statistics,omitempty" json:"statistics,omitempty"`
}

// Statistics declares how the analytics purpose's aggregate statistics
// protect the people in them (PET-DP): the privacy budget of each dataset
// (each category of the purpose, and the counts of people and devices) and
// the smallest group a statistic is published for.
type Statistics struct {
	// Epsilon is each dataset's privacy budget: the ε that all queries
	// over the dataset may spend together, ever; greater than 0, at most
	// MaxStatisticsEpsilon.
	Epsilon float64 `yaml:"epsilon" json:"epsilon"`
	// Delta is each dataset's δ budget, for queries with Gaussian noise;
	// 0 (the default) allows Laplace noise only. At most MaxStatisticsDelta.
	Delta float64 `yaml:"delta,omitempty" json:"delta,omitempty"`
	// MinGroup is the smallest group published: a statistic whose noisy
	// count of households is below it is withheld. Default
	// DefaultMinGroup; at least 2.
	MinGroup int `yaml:"min_group,omitempty" json:"min_group,omitempty"`
}

// Feature is an optional product feature that switches purposes on.
type Feature struct {
	ID       string   `yaml:"id" json:"id"`
	Name     string   `yaml:"name" json:"name"`
	Purposes []string `yaml:"purposes" json:"purposes"` // purpose IDs it switches on
	// Implications says in plain language what switching it on means
	// for the person: shown before it takes effect (USAGE-CHANGE).
	Implications string `yaml:"implications" json:"implications"`
	DefaultOn    bool   `yaml:"default_on,omitempty" json:"default_on,omitempty"`
	// Granularities are the location precisions a person may choose for
	// this feature, finest first, from Granularities (MIN-LOCATION).
	Granularities []string `yaml:"granularities,omitempty" json:"granularities,omitempty"`
}

// Recipient is an organisation that receives personal data.
type Recipient struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// Role is processor, joint-controller or independent-controller (Roles).
	Role       string   `yaml:"role" json:"role"`
	Categories []string `yaml:"categories" json:"categories"` // the categories it receives
	// ErasureEndpoint is where Hearth sends erasure requests (RIGHT-ERASE).
	ErasureEndpoint string `yaml:"erasure_endpoint,omitempty" json:"erasure_endpoint,omitempty"`
	Description     string `yaml:"description,omitempty" json:"description,omitempty"`
	// Location is the country or countries where the recipient processes
	// the data, such as "United Kingdom", for the record of processing
	// (RECORDS); optional.
	Location string `yaml:"location,omitempty" json:"location,omitempty"`
	// Transfer is the safeguard of a transfer outside the United Kingdom
	// (UK GDPR Chapter V), such as "UK adequacy regulations" or "the
	// ICO's International Data Transfer Agreement"; lint requires it when
	// Location is outside the United Kingdom (RECORDS).
	Transfer string `yaml:"transfer,omitempty" json:"transfer,omitempty"`
}

// ConsentSettings tune consent requests. A zero ConsentSettings uses the
// defaults.
type ConsentSettings struct {
	// CoolOff is the period after a refusal during which the same request
	// is not asked again (CONSENT-NO-NAG), such as "30d"; default
	// DefaultCoolOff.
	CoolOff string `yaml:"cool_off,omitempty" json:"cool_off,omitempty"`
}

// TermsVersion is one version of the terms of service.
type TermsVersion struct {
	Version   string `yaml:"version" json:"version"`
	URL       string `yaml:"url,omitempty" json:"url,omitempty"`
	Text      string `yaml:"text,omitempty" json:"text,omitempty"`
	Effective string `yaml:"effective" json:"effective"` // YYYY-MM-DD
	// ExpectedDuration is how long the terms are expected to last, a
	// period such as "5y" (TOS-DURATION).
	ExpectedDuration string `yaml:"expected_duration" json:"expected_duration"`
}
