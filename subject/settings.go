package subject

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// settings returns personID's stored settings, or nil when they have none.
func (c *Cache) settings(ctx context.Context, personID string) (*hearth.PersonSettings, error) {
	st, err := c.cfg.Store.Settings(ctx, personID)
	switch hearth.ErrorCode(err) {
	case "":
		return st, nil
	case hearth.ENOTFOUND:
		return nil, nil
	}
	return nil, fmt.Errorf("subject settings: %w", err)
}

// fromSettings returns the Subject of stored settings, or the manifest's
// defaults for nil (DEFAULT-PRIVATE). IDs no longer in the manifest are
// ignored: a new manifest version starts them off.
func (c *Cache) fromSettings(st *hearth.PersonSettings) policy.Subject {
	e := c.cfg.Policy
	if st == nil {
		return e.Defaults()
	}
	var s policy.Subject
	for _, id := range st.Features {
		if b, err := e.FeatureBits(id); err == nil {
			s.Features = s.Features.Union(b)
		}
	}
	for _, id := range st.Purposes {
		if b, err := e.PurposeBits(id); err == nil {
			s.Enabled = s.Enabled.Union(b)
		}
	}
	s.Location, _ = policy.ParseGranularity(st.Location)
	s.RestrictAll, s.ObjectMarketing = st.RestrictAll, st.ObjectMarketing
	s.Restricted, s.Objected, s.ADMOptOut = c.purposeBits(st.Restricted), c.purposeBits(st.Objected), c.purposeBits(st.ADMOptOut)
	for id, g := range st.FeatureLocation {
		b, err := e.FeatureBits(id)
		if gr, gerr := policy.ParseGranularity(g); err == nil && gerr == nil {
			s.FeatureLocation[b.First()] = gr
		}
	}
	return s
}

// DefaultSettings returns the settings of a person who never changed any:
// the manifest's defaults as policy.Engine.Defaults gives them.
func (c *Cache) DefaultSettings(personID string) hearth.PersonSettings {
	d := c.cfg.Policy.Defaults()
	st := hearth.PersonSettings{PersonID: personID, Purposes: c.cfg.Policy.PurposeIDs(d.Enabled)}
	for _, f := range c.cfg.Manifest.Features {
		if b, err := c.cfg.Policy.FeatureBits(f.ID); err == nil && d.Features.Has(b.First()) {
			st.Features = append(st.Features, f.ID)
		}
	}
	if d.Location != policy.GranularityOff {
		st.Location = d.Location.String()
	}
	return st
}
