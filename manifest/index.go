package manifest

import "time"

// DefaultCoolOff is the cool-off after a refused consent request when the
// manifest sets none (CONSENT-NO-NAG).
const DefaultCoolOff = 30 * 24 * time.Hour

// Category returns the declared category with that ID.
func (m *Manifest) Category(id string) (*Category, bool) {
	c, ok := m.categories[id]
	return c, ok
}

// Model returns the declared device model with that ID.
func (m *Manifest) Model(id string) (*Model, bool) {
	d, ok := m.models[id]
	return d, ok
}

// Purpose returns the declared purpose with that ID.
func (m *Manifest) Purpose(id string) (*Purpose, bool) {
	p, ok := m.purposes[id]
	return p, ok
}

// Feature returns the declared feature with that ID.
func (m *Manifest) Feature(id string) (*Feature, bool) {
	f, ok := m.features[id]
	return f, ok
}

// Recipient returns the declared recipient with that ID.
func (m *Manifest) Recipient(id string) (*Recipient, bool) {
	r, ok := m.recipients[id]
	return r, ok
}

// PurposesUsing returns the purposes that use the category, in declaration
// order; nil if none does. The slice is shared: do not modify it.
func (m *Manifest) PurposesUsing(category string) []*Purpose {
	return m.purposesUsing[category]
}

// FeaturesFor returns the features that switch the purpose on, in
// declaration order.
func (m *Manifest) FeaturesFor(purpose string) []*Feature {
	var fs []*Feature
	for i := range m.Features {
		for _, p := range m.Features[i].Purposes {
			if p == purpose {
				fs = append(fs, &m.Features[i])
				break
			}
		}
	}
	return fs
}

// CoolOffPeriod returns the consent cool-off: the manifest's, or
// DefaultCoolOff when it sets none.
func (m *Manifest) CoolOffPeriod() time.Duration {
	if d, err := parsePeriod(m.Consent.CoolOff, maxPeriod); err == nil {
		return d
	}
	return DefaultCoolOff
}

// Special reports whether the category is special category data (Art 9).
func (c *Category) Special() bool { return c.Kind == KindSpecial }

// Location reports whether the category is location data.
func (c *Category) Location() bool { return c.Kind == KindLocation }

// OnConsent reports whether the purpose's lawful basis is consent.
func (p *Purpose) OnConsent() bool { return p.Basis == BasisConsent }

// ServiceLifetimePeriod returns the model's expected service lifetime, or 0
// if it declares none.
func (d *Model) ServiceLifetimePeriod() time.Duration {
	t, _ := parsePeriod(d.ServiceLifetime, maxPeriod)
	return t
}

// EffectiveDate returns the day the terms take effect, as midnight UTC, or
// the zero time if the manifest was not validated by Parse.
func (t *TermsVersion) EffectiveDate() time.Time {
	d, _ := time.Parse(time.DateOnly, t.Effective)
	return d
}

// ExpectedDurationPeriod returns how long the terms are expected to last,
// or 0 if the manifest was not validated by Parse.
func (t *TermsVersion) ExpectedDurationPeriod() time.Duration {
	d, _ := parsePeriod(t.ExpectedDuration, maxPeriod)
	return d
}

// index builds the lookup maps. Parse calls it once; afterwards the
// manifest is read-only.
func (m *Manifest) index() {
	m.categories = make(map[string]*Category, len(m.Categories))
	for i := range m.Categories {
		m.categories[m.Categories[i].ID] = &m.Categories[i]
	}
	m.models = make(map[string]*Model, len(m.Models))
	for i := range m.Models {
		m.models[m.Models[i].ID] = &m.Models[i]
	}
	m.purposes = make(map[string]*Purpose, len(m.Purposes))
	m.purposesUsing = make(map[string][]*Purpose, len(m.Categories))
	for i := range m.Purposes {
		p := &m.Purposes[i]
		m.purposes[p.ID] = p
		for _, c := range p.Categories {
			if u := m.purposesUsing[c]; len(u) == 0 || u[len(u)-1] != p {
				m.purposesUsing[c] = append(u, p)
			}
		}
	}
	m.features = make(map[string]*Feature, len(m.Features))
	for i := range m.Features {
		m.features[m.Features[i].ID] = &m.Features[i]
	}
	m.recipients = make(map[string]*Recipient, len(m.Recipients))
	for i := range m.Recipients {
		m.recipients[m.Recipients[i].ID] = &m.Recipients[i]
	}
}
