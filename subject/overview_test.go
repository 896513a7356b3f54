package subject_test

import (
	"slices"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/subject"
)

// category returns the category id of o, failing the test without it.
func category(t *testing.T, o subject.Overview, id string) subject.CategoryUse {
	t.Helper()
	i := slices.IndexFunc(o.Categories, func(c subject.CategoryUse) bool { return c.ID == id })
	if i < 0 {
		t.Fatalf("the overview has no category %q", id)
	}
	return o.Categories[i]
}

// TestOverview: the dashboard's content follows the manifest and the
// person's state as policy decides it: location off until chosen
// (MIN-LOCATION), a consent purpose inactive until its feature and
// consent (CONSENT-OPTIN), recipients per purpose and category, retention
// in words (RETENTION); only those who may act for the person see it.
func TestOverview(t *testing.T) {
	e := newEnv(t)
	o, err := e.cache.Overview(e.ctx, e.owner, e.hh, e.owner)
	if err != nil {
		t.Fatalf("Overview: %v", err)
	}
	area := category(t, o, "home-area")
	if area.Collected || area.Reason != "location sharing is off" || area.Retention != "1 year" {
		t.Errorf("home-area = %+v, want not collected (location off), kept 1 year", area)
	}
	if len(area.Purposes) != 1 || area.Purposes[0].ID != "weather-compensation" || area.Purposes[0].Active ||
		len(area.Purposes[0].Recipients) != 1 || area.Purposes[0].Recipients[0].Name != "Forecast Co Ltd" {
		t.Errorf("home-area purposes = %+v, want weather-compensation, inactive, to Forecast Co Ltd", area.Purposes)
	}
	temp := category(t, o, "room-temperature")
	if !temp.Collected || !slices.Equal(temp.Models, []string{"ember-t1", "ember-s1"}) {
		t.Errorf("room-temperature = %+v, want collected, from both models", temp)
	}
	if o.Location != "off" || !slices.Equal(o.LocationChoices, []string{"city", "region"}) {
		t.Errorf("location %q choices %v, want off, [city region]", o.Location, o.LocationChoices)
	}

	// Switched on and consented, the purpose uses the data; location on.
	if _, err := e.cache.PutSettings(e.ctx, e.owner, e.hh, e.owner, hearth.PersonSettings{Features: []string{"weather-compensation"}, Location: "city"}); err != nil {
		t.Fatalf("PutSettings: %v", err)
	}
	if _, err := e.consents.Give(e.ctx, e.owner, e.owner, "weather-compensation", hearth.MethodWeb, ""); err != nil {
		t.Fatalf("Give: %v", err)
	}
	o, _ = e.cache.Overview(e.ctx, e.owner, e.hh, e.owner)
	if area := category(t, o, "home-area"); !area.Collected || !area.Purposes[0].Active {
		t.Errorf("home-area after consent = %+v, want collected and active", area)
	}
	if i := slices.IndexFunc(o.Features, func(f subject.FeatureUse) bool { return f.ID == "weather-compensation" }); i < 0 || !o.Features[i].Enabled {
		t.Errorf("features = %+v, want weather-compensation on", o.Features)
	}

	// The owner, the child's guardian, sees the child's; the other adult
	// sees neither the owner's nor the child's.
	if _, err := e.cache.Overview(e.ctx, e.owner, e.hh, e.kid); err != nil {
		t.Errorf("guardian's Overview of the child: %v", err)
	}
	for _, person := range []string{e.owner, e.kid} {
		if _, err := e.cache.Overview(e.ctx, e.adult, e.hh, person); err == nil {
			t.Errorf("another adult's Overview of %s: no error", person)
		}
	}
}

// TestPreviewFeature: the notice before switching a feature on changes
// nothing and lists the consent it would still need (CONSENT-MOMENTS).
func TestPreviewFeature(t *testing.T) {
	e := newEnv(t)
	n, err := e.cache.PreviewFeature(e.ctx, e.owner, e.hh, e.owner, "energy-insights")
	if err != nil {
		t.Fatalf("PreviewFeature: %v", err)
	}
	if n.Enabled || len(n.ConsentsNeeded) != 1 || n.ConsentsNeeded[0].Purpose != "energy-insights" || n.Implications == "" {
		t.Errorf("notice = %+v, want off, needing energy-insights consent, with its implications", n)
	}
	if st, _ := e.cache.Settings(e.ctx, e.owner, e.hh, e.owner); len(st.Features) != 0 {
		t.Errorf("features after the preview = %v, want none", st.Features)
	}
	if _, err := e.cache.PreviewFeature(e.ctx, e.owner, e.hh, e.owner, "jetpack"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("unknown feature: %v, want ENOTFOUND", err)
	}
}
