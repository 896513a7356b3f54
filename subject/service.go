package subject

import (
	"context"
	"slices"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// Settings returns person's settings as actor sees them in household hh:
// the stored ones, or the manifest's defaults. It has the errors of
// Authorize.
func (c *Cache) Settings(ctx context.Context, actor, hh, person string) (hearth.PersonSettings, error) {
	if _, _, err := Authorize(ctx, c.cfg.Store, c.cfg.Policy, actor, hh, person); err != nil {
		return hearth.PersonSettings{}, err
	}
	return c.current(ctx, person)
}

// current returns person's stored settings or the defaults.
func (c *Cache) current(ctx context.Context, person string) (hearth.PersonSettings, error) {
	st, err := c.settings(ctx, person)
	if err != nil || st == nil {
		return c.DefaultSettings(person), err
	}
	return *st, nil
}

// PutSettings replaces person's settings with st (its PersonID and Updated
// are set here) and drops their cached Subjects. The rights exercised
// (restrictions, objections, opt-outs) are kept as they are: they change
// only through UpdateRights. It has the errors of
// Authorize, and EINVALID naming the field for an undeclared feature or
// purpose, a purpose that is not optional (consent is given through the
// consent API; core purposes are always on), or a granularity the manifest
// does not offer. Nothing is stored on error.
func (c *Cache) PutSettings(ctx context.Context, actor, hh, person string, st hearth.PersonSettings) (hearth.PersonSettings, error) {
	if _, _, err := Authorize(ctx, c.cfg.Store, c.cfg.Policy, actor, hh, person); err != nil {
		return hearth.PersonSettings{}, err
	}
	if err := c.validate(&st); err != nil {
		return hearth.PersonSettings{}, err
	}
	return c.update(ctx, person, func(cur *hearth.PersonSettings) (bool, error) {
		keepRights(&st, cur)
		*cur = st
		return true, nil
	})
}

// validate checks settings against the manifest, normalising "off" to "".
func (c *Cache) validate(st *hearth.PersonSettings) error {
	m := c.cfg.Manifest
	for _, id := range st.Features {
		if _, ok := m.Feature(id); !ok {
			return hearth.FieldError("features", "%q is not a feature of this product", id)
		}
	}
	for _, id := range st.Purposes {
		p, ok := m.Purpose(id)
		if !ok {
			return hearth.FieldError("purposes", "%q is not a purpose of this product", id)
		}
		if p.OnConsent() || p.Core || len(m.FeaturesFor(id)) > 0 {
			return hearth.FieldError("purposes", "%q is not switched on here: core purposes are always on, consent is given through the consent API and features through the feature switch", id)
		}
	}
	if st.Location == policy.GranularityOff.String() {
		st.Location = ""
	}
	if _, err := policy.ParseGranularity(st.Location); err != nil && st.Location != "" {
		return hearth.FieldError("location", "choose off, country, region, city, street or precise")
	}
	for id, g := range st.FeatureLocation {
		f, ok := m.Feature(id)
		if !ok || !slices.Contains(f.Granularities, g) {
			return hearth.FieldError("feature_location", "%q: choose one of the precisions the feature offers", id)
		}
	}
	return nil
}
