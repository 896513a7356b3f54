package subject

import (
	"context"
	"slices"

	"github.com/hearth-iot/hearth"
)

// FeatureNotice is the just-in-time notice shown when a feature is switched
// on or off (CONSENT-MOMENTS, USAGE-CHANGE): what it implies, the purposes
// it switches on with their state after the change, and the consent
// requests still needed before those relying on consent start.
type FeatureNotice struct {
	Feature        string          `json:"feature"`
	Name           string          `json:"name"`
	Enabled        bool            `json:"enabled"`
	Implications   string          `json:"implications"`
	Purposes       []PurposeState  `json:"purposes"`
	ConsentsNeeded []ConsentNeeded `json:"consents_needed"`
}

// PurposeState is a purpose a feature switches on, and whether it is active
// for the person now, with the reason when it is not.
type PurposeState struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Basis  string `json:"basis"`
	Active bool   `json:"active"`
	Reason string `json:"reason,omitempty"`
}

// ConsentNeeded is a consent request to make: its purpose stays off until
// consent is given. Request is filled in by the transport (the address of
// the request); the service leaves it empty.
type ConsentNeeded struct {
	Purpose string `json:"purpose"`
	Name    string `json:"name"`
	Request string `json:"request,omitempty"`
}

// SetFeature switches feature on or off for person in household hh, as
// actor, and returns its notice. Switching a feature on never gives
// consent: its consent-based purposes stay off until consented. It has the
// errors of Authorize, and ENOTFOUND (field "feature") for an undeclared
// feature. Switching to the current state stores nothing.
func (c *Cache) SetFeature(ctx context.Context, actor, hh, person, feature string, enabled bool) (FeatureNotice, error) {
	f, ok := c.cfg.Manifest.Feature(feature)
	if !ok {
		return FeatureNotice{}, &hearth.Error{Code: hearth.ENOTFOUND, Field: "feature", Message: "no such feature in the product's privacy manifest"}
	}
	if _, _, err := Authorize(ctx, c.cfg.Store, c.cfg.Policy, actor, hh, person); err != nil {
		return FeatureNotice{}, err
	}
	_, err := c.update(ctx, person, func(st *hearth.PersonSettings) (bool, error) {
		if slices.Contains(st.Features, feature) == enabled {
			return false, nil
		}
		st.Features = slices.DeleteFunc(slices.Clone(st.Features), func(id string) bool { return id == feature })
		if enabled {
			st.Features = append(st.Features, feature)
		}
		return true, nil
	})
	if err != nil {
		return FeatureNotice{}, err
	}
	return c.notice(ctx, hh, person, feature, enabled, enabled, f.Name, f.Implications)
}

// PreviewFeature returns the just-in-time notice of feature for person in
// household hh, as actor, and changes nothing: the notice to show before
// the feature is switched on (CONSENT-MOMENTS, USAGE-CHANGE). Enabled is
// the feature's current state, and ConsentsNeeded lists the consent
// requests switching it on would leave to make, whether it is on or off.
// It has the errors of SetFeature.
func (c *Cache) PreviewFeature(ctx context.Context, actor, hh, person, feature string) (FeatureNotice, error) {
	f, ok := c.cfg.Manifest.Feature(feature)
	if !ok {
		return FeatureNotice{}, &hearth.Error{Code: hearth.ENOTFOUND, Field: "feature", Message: "no such feature in the product's privacy manifest"}
	}
	if _, _, err := Authorize(ctx, c.cfg.Store, c.cfg.Policy, actor, hh, person); err != nil {
		return FeatureNotice{}, err
	}
	st, err := c.current(ctx, person)
	if err != nil {
		return FeatureNotice{}, err
	}
	return c.notice(ctx, hh, person, feature, slices.Contains(st.Features, feature), true, f.Name, f.Implications)
}

// notice builds the feature's notice from the person's Subject, with the
// consent requests still needed when ask is set.
func (c *Cache) notice(ctx context.Context, hh, person, feature string, enabled, ask bool, name, implications string) (FeatureNotice, error) {
	s, err := c.Person(ctx, hh, person)
	if err != nil {
		return FeatureNotice{}, err
	}
	e := c.cfg.Policy
	n := FeatureNotice{Feature: feature, Name: name, Enabled: enabled, Implications: implications,
		Purposes: []PurposeState{}, ConsentsNeeded: []ConsentNeeded{}}
	ps, _ := e.FeaturePurposes(feature)
	for _, id := range e.PurposeIDs(ps) {
		p, _ := c.cfg.Manifest.Purpose(id)
		d := e.Active(&s, id)
		ps := PurposeState{ID: id, Name: p.Name, Basis: p.Basis, Active: d.Allow}
		if !d.Allow {
			ps.Reason = e.Explain(d)
		}
		n.Purposes = append(n.Purposes, ps)
	}
	if ask {
		needed, _ := e.ConsentsNeeded(&s, feature)
		for _, id := range e.PurposeIDs(needed) {
			p, _ := c.cfg.Manifest.Purpose(id)
			n.ConsentsNeeded = append(n.ConsentsNeeded, ConsentNeeded{Purpose: id, Name: p.Name})
		}
	}
	return n, nil
}
