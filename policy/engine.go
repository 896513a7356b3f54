package policy

import (
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
)

// Engine makes privacy decisions for one manifest. It holds indexes
// precomputed by Compile, so that a decision is a map lookup and a few bit
// operations. An Engine is immutable and safe for concurrent use; load a new
// manifest version by compiling a new Engine.
type Engine struct {
	purposes    []purpose
	purposeIdx  map[string]int
	categories  []category
	categoryIdx map[string]int
	features    []feature
	featureIdx  map[string]int
	// models holds, per device model of the catalogue, which categories
	// (by index) it produces; nil for a model that lists none.
	models map[string][]bool

	consent   Bits // basis is consent
	marketing Bits // marketing or advertising
	profiling Bits
	adm       Bits // solely automated decisions with significant effect
	objection Bits // purposes a person may object to (RIGHT-OBJECT, RIGHT-OBJECT-MKT)
	optional  Bits // not consent, not core: on only when switched on
	gated     Bits // switched on by a feature
	defaultOn Bits // optional purposes on by default
	childOff  Bits // profiling, marketing and ads not on consent: never for a child
	locating  Bits // purposes using a location category

	childrenLikely bool
	coolOff        time.Duration
	statistics     int // the analytics purpose's index (PET-DP); -1 if none
}

type purpose struct {
	id       string
	explicit string // explicit consent statement, "" if none
	special  bool   // uses special category data
	features Bits   // the features that switch it on
}

type category struct {
	id       string
	purposes Bits        // the purposes that use it
	location bool        // a location category
	special  bool        // special category data (UK GDPR Art 9)
	finest   Granularity // for a location category: the finest precision declared
	coarsest Granularity
	// retention is how long the category's readings are kept; 0 if the
	// manifest gives no valid period.
	retention time.Duration
	shape     shape // the fields and types its values may carry
}

type feature struct {
	id        string
	purposes  Bits
	defaultOn bool
	finest    Granularity // location precisions a person may choose; Off if none
	coarsest  Granularity
}

// Compile indexes m for decisions. m must have been returned by
// manifest.Parse (Compile does not lint it again). It returns an EINVALID
// *hearth.Error for a nil manifest, more than MaxPurposes purposes or
// features, a reference to an undeclared category or purpose, or an unknown
// location granularity.
func Compile(m *manifest.Manifest) (*Engine, error) {
	if m == nil {
		return nil, hearth.Errorf(hearth.EINVALID, "no manifest to compile")
	}
	if len(m.Purposes) > MaxPurposes || len(m.Features) > MaxPurposes {
		return nil, hearth.Errorf(hearth.EINVALID, "the manifest declares %d purposes and %d features; at most %d of each are supported",
			len(m.Purposes), len(m.Features), MaxPurposes)
	}
	e := &Engine{
		purposeIdx:     make(map[string]int, len(m.Purposes)),
		categoryIdx:    make(map[string]int, len(m.Categories)),
		featureIdx:     make(map[string]int, len(m.Features)),
		childrenLikely: m.ChildrenLikely,
		coolOff:        m.CoolOffPeriod(),
		statistics:     -1,
	}
	if err := e.compileCategories(m.Categories); err != nil {
		return nil, err
	}
	if err := e.compileModels(m.Models); err != nil {
		return nil, err
	}
	for i := range m.Purposes {
		if err := e.compilePurpose(i, &m.Purposes[i]); err != nil {
			return nil, err
		}
	}
	for i := range m.Features {
		if err := e.compileFeature(i, &m.Features[i]); err != nil {
			return nil, err
		}
	}
	e.childOff = e.profiling.Union(e.marketing).Minus(e.consent)
	return e, nil
}

func (e *Engine) compileCategories(cs []manifest.Category) error {
	e.categories = make([]category, len(cs))
	for i, c := range cs {
		finest, coarsest, err := granularityRange(c.Granularities)
		if err != nil {
			return hearth.Errorf(hearth.EINVALID, "category %s: %v", c.ID, err)
		}
		if c.Kind == manifest.KindLocation && finest == GranularityOff {
			finest, coarsest = GranularityExact, GranularityExact
		}
		e.categories[i] = category{id: c.ID, location: c.Kind == manifest.KindLocation, special: c.Kind == manifest.KindSpecial,
			finest: finest, coarsest: coarsest, retention: c.RetentionPeriod(), shape: compileShape(&cs[i])}
		e.categoryIdx[c.ID] = i
	}
	return nil
}

func (e *Engine) compileModels(ms []manifest.Model) error {
	e.models = make(map[string][]bool, len(ms))
	for _, m := range ms {
		if len(m.Categories) == 0 {
			e.models[m.ID] = nil
			continue
		}
		produces := make([]bool, len(e.categories))
		for _, id := range m.Categories {
			c, ok := e.categoryIdx[id]
			if !ok {
				return hearth.Errorf(hearth.EINVALID, "model %s produces undeclared category %s", m.ID, id)
			}
			produces[c] = true
		}
		e.models[m.ID] = produces
	}
	return nil
}

func (e *Engine) compilePurpose(i int, p *manifest.Purpose) error {
	e.purposeIdx[p.ID] = i
	e.purposes = append(e.purposes, purpose{id: p.ID, explicit: p.Explicit})
	if p.Statistics != nil && e.statistics < 0 {
		e.statistics = i
	}
	for _, id := range p.Categories {
		c, ok := e.categoryIdx[id]
		if !ok {
			return hearth.Errorf(hearth.EINVALID, "purpose %s uses undeclared category %s", p.ID, id)
		}
		e.categories[c].purposes.Set(i)
		if e.categories[c].location {
			e.locating.Set(i)
		}
		e.purposes[i].special = e.purposes[i].special || e.categories[c].special
	}
	flags := []struct {
		on  bool
		set *Bits
	}{
		{p.Basis == manifest.BasisConsent, &e.consent},
		{p.Marketing || p.Advertising, &e.marketing},
		{p.Profiling, &e.profiling},
		{p.AutomatedDecision, &e.adm},
		{p.Basis == manifest.BasisLegitimateInterests || p.Basis == manifest.BasisPublicTask || p.Profiling || p.Marketing || p.Advertising, &e.objection},
		{p.Basis != manifest.BasisConsent && !p.Core, &e.optional},
		{p.Basis != manifest.BasisConsent && !p.Core && p.DefaultOn, &e.defaultOn},
	}
	for _, f := range flags {
		if f.on {
			f.set.Set(i)
		}
	}
	return nil
}

func (e *Engine) compileFeature(i int, f *manifest.Feature) error {
	finest, coarsest, err := granularityRange(f.Granularities)
	if err != nil {
		return hearth.Errorf(hearth.EINVALID, "feature %s: %v", f.ID, err)
	}
	ft := feature{id: f.ID, defaultOn: f.DefaultOn, finest: finest, coarsest: coarsest}
	for _, id := range f.Purposes {
		p, ok := e.purposeIdx[id]
		if !ok {
			return hearth.Errorf(hearth.EINVALID, "feature %s switches on undeclared purpose %s", f.ID, id)
		}
		ft.purposes.Set(p)
		e.purposes[p].features.Set(i)
		e.gated.Set(p)
	}
	e.featureIdx[f.ID] = i
	e.features = append(e.features, ft)
	return nil
}
