package policy

import "github.com/hearth-iot/hearth"

// PurposeBits returns the set of the purposes with the given IDs. It
// returns an EINVALID *hearth.Error naming the first unknown ID.
func (e *Engine) PurposeBits(ids ...string) (Bits, error) {
	return bitsOf(e.purposeIdx, "purpose", ids)
}

// FeatureBits returns the set of the features with the given IDs. It
// returns an EINVALID *hearth.Error naming the first unknown ID.
func (e *Engine) FeatureBits(ids ...string) (Bits, error) {
	return bitsOf(e.featureIdx, "feature", ids)
}

func bitsOf(idx map[string]int, kind string, ids []string) (Bits, error) {
	var b Bits
	for _, id := range ids {
		i, ok := idx[id]
		if !ok {
			return Bits{}, hearth.Errorf(hearth.EINVALID, "%s %q is not declared in the manifest", kind, id)
		}
		b.Set(i)
	}
	return b, nil
}

// PurposeIDs returns the IDs of the purposes in b, in index order.
func (e *Engine) PurposeIDs(b Bits) []string {
	var ids []string
	for i := b.First(); i >= 0 && i < len(e.purposes); i = b.Next(i) {
		ids = append(ids, e.purposes[i].id)
	}
	return ids
}

// PurposeID returns the ID of the purpose with index i, or "" if there is
// none; use it with Decision.Purpose.
func (e *Engine) PurposeID(i int) string {
	if i < 0 || i >= len(e.purposes) {
		return ""
	}
	return e.purposes[i].id
}

// PurposeIndex returns the index of the purpose with that ID.
func (e *Engine) PurposeIndex(id string) (int, bool) {
	i, ok := e.purposeIdx[id]
	return i, ok
}

// PurposesUsing returns the set of purposes that use the category; empty
// for an undeclared one.
func (e *Engine) PurposesUsing(category string) Bits {
	c, ok := e.categoryIdx[category]
	if !ok {
		return Bits{}
	}
	return e.categories[c].purposes
}

// ConsentPurposes returns the set of purposes that rely on consent.
func (e *Engine) ConsentPurposes() Bits { return e.consent }

// FeaturePurposes returns the set of purposes the feature switches on, and
// whether the feature is declared: the consent requests to make when it is
// switched on are those in the result that rely on consent
// (CONSENT-MOMENTS).
func (e *Engine) FeaturePurposes(feature string) (Bits, bool) {
	f, ok := e.featureIdx[feature]
	if !ok {
		return Bits{}, false
	}
	return e.features[f].purposes, true
}

// ConsentsNeeded returns the consent purposes the feature switches on that
// the subject has not consented to: the consent requests to make, with the
// feature's just-in-time notice, when the subject switches it on
// (CONSENT-MOMENTS, USAGE-CHANGE). It reports false for an undeclared
// feature.
func (e *Engine) ConsentsNeeded(s *Subject, feature string) (Bits, bool) {
	ps, ok := e.FeaturePurposes(feature)
	if !ok {
		return Bits{}, false
	}
	return ps.Intersect(e.consent).Minus(s.Consented), true
}
