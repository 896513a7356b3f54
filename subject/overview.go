package subject

import (
	"context"
	"slices"

	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
)

// Overview is what happens to one person's data, as their privacy
// dashboard shows it: per data category of the manifest, which device
// models produce it, whether it is collected about the person now, for
// which purposes, on which basis, kept how long and received by whom; the
// optional features and whether the person switched them on; and their
// location setting. It is built from the manifest the server enforces and
// the person's state (settings, consents, restrictions, objections) as the
// policy engine decides it.
type Overview struct {
	Models     []ModelUse    `json:"models"`
	Categories []CategoryUse `json:"categories"`
	Features   []FeatureUse  `json:"features"`
	// Location is the overall location setting: "off" or the finest
	// precision allowed, such as "city" (MIN-LOCATION).
	Location string `json:"location"`
	// LocationChoices are the precisions the location categories offer,
	// finest first; empty when the product collects no location.
	LocationChoices []string `json:"location_choices"`
}

// ModelUse is a device model of the product and the categories it
// produces.
type ModelUse struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Categories []string `json:"categories"`
}

// CategoryUse is one data category and what is done with it.
type CategoryUse struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Kind        string   `json:"kind"` // personal, special, location or technical
	Description string   `json:"description,omitempty"`
	Retention   string   `json:"retention"` // in words, such as "30 days"
	Models      []string `json:"models"`    // the device models that produce it
	// Collected says whether a reading of it about the person is stored
	// now (before any device's own mode applies); Reason says why not.
	Collected bool         `json:"collected"`
	Reason    string       `json:"reason,omitempty"`
	Purposes  []PurposeUse `json:"purposes"`
}

// PurposeUse is a purpose using a category: its basis, whether it uses the
// person's data now (with the reason when not), and the recipients that
// receive the category for it.
type PurposeUse struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Basis      string         `json:"basis"`      // the Art 6 basis ID
	BasisText  string         `json:"basis_text"` // the basis in plain language, as the notice says it
	Active     bool           `json:"active"`
	Reason     string         `json:"reason,omitempty"`
	Recipients []RecipientUse `json:"recipients"`
}

// RecipientUse is an organisation that receives a category for a purpose.
type RecipientUse struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	RoleText string `json:"role_text"` // its role in plain language
}

// FeatureUse is an optional feature as the person has it.
type FeatureUse struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Implications string   `json:"implications"`
	Enabled      bool     `json:"enabled"`
	Purposes     []string `json:"purposes"` // the purpose IDs it switches on
	// Granularities are the location precisions the person may choose
	// for it, finest first; Location is the one chosen ("" for the
	// coarsest).
	Granularities []string `json:"granularities,omitempty"`
	Location      string   `json:"location,omitempty"`
}

// Overview returns what happens to person's data, as actor sees it in
// household hh. It has the errors of Authorize.
func (c *Cache) Overview(ctx context.Context, actor, hh, person string) (Overview, error) {
	if _, _, err := c.Authorize(ctx, actor, hh, person); err != nil {
		return Overview{}, err
	}
	st, err := c.current(ctx, person)
	if err != nil {
		return Overview{}, err
	}
	s, err := c.Person(ctx, hh, person)
	if err != nil {
		return Overview{}, err
	}
	m := c.cfg.Manifest
	doc := manifest.Notice(m)
	o := Overview{Models: []ModelUse{}, Categories: []CategoryUse{}, Features: []FeatureUse{}, Location: "off", LocationChoices: []string{}}
	if st.Location != "" {
		o.Location = st.Location
	}
	for _, md := range m.Models {
		o.Models = append(o.Models, ModelUse{ID: md.ID, Name: md.Name, Categories: md.Categories})
	}
	for _, cat := range m.Categories {
		o.Categories = append(o.Categories, c.categoryUse(&s, m, &doc, &cat))
		for _, g := range cat.Granularities {
			if !slices.Contains(o.LocationChoices, g) {
				o.LocationChoices = append(o.LocationChoices, g)
			}
		}
	}
	for _, f := range m.Features {
		o.Features = append(o.Features, FeatureUse{ID: f.ID, Name: f.Name, Implications: f.Implications,
			Enabled: slices.Contains(st.Features, f.ID), Purposes: f.Purposes, Granularities: f.Granularities,
			Location: st.FeatureLocation[f.ID]})
	}
	return o, nil
}

// categoryUse builds one category's use for subject s.
func (c *Cache) categoryUse(s *policy.Subject, m *manifest.Manifest, doc *manifest.NoticeDoc, cat *manifest.Category) CategoryUse {
	e := c.cfg.Policy
	u := CategoryUse{ID: cat.ID, Name: cat.Name, Kind: cat.Kind, Description: cat.Description,
		Retention: manifest.HumanPeriod(cat.Retention), Models: []string{}, Purposes: []PurposeUse{}}
	for _, md := range m.Models {
		if slices.Contains(md.Categories, cat.ID) {
			u.Models = append(u.Models, md.ID)
		}
	}
	d := e.Ingest(s, cat.ID, c.cfg.Now())
	u.Collected = d.Allow
	if !d.Allow {
		u.Reason = e.Explain(d)
	}
	for _, p := range m.PurposesUsing(cat.ID) {
		pu := PurposeUse{ID: p.ID, Name: p.Name, Basis: p.Basis, Recipients: []RecipientUse{}}
		for _, np := range doc.Purposes {
			if np.ID == p.ID {
				pu.BasisText = np.BasisText
			}
		}
		a := e.Active(s, p.ID)
		pu.Active = a.Allow
		if !a.Allow {
			pu.Reason = e.Explain(a)
		}
		for _, rid := range p.Recipients {
			r, ok := m.Recipient(rid)
			if !ok || !slices.Contains(r.Categories, cat.ID) {
				continue
			}
			ru := RecipientUse{ID: r.ID, Name: r.Name}
			for _, nr := range doc.Recipients {
				if nr.ID == r.ID {
					ru.RoleText = nr.RoleText
				}
			}
			pu.Recipients = append(pu.Recipients, ru)
		}
		u.Purposes = append(u.Purposes, pu)
	}
	return u
}
