// Package settingsform is the stored form of a person's settings that both
// storage adapters share: the JSON held in the settings table's features,
// purposes, feature_location and rights columns. One place decides it, so
// a database moved between adapters, or read by either, means the same.
package settingsform

import (
	"encoding/json"
	"fmt"

	"github.com/hearth-iot/hearth"
)

// Columns are the JSON columns of a stored PersonSettings.
type Columns struct {
	Features        string // JSON array of feature IDs, [] for none
	Purposes        string // JSON array of purpose IDs, [] for none
	FeatureLocation string // JSON object: feature ID → granularity, {} for none
	Rights          string // JSON object of the rights exercised (rights)
}

// rights is the rights column: the rights a person exercised over the use
// of their data.
type rights struct {
	RestrictAll     bool     `json:"restrict_all,omitempty"`
	Restricted      []string `json:"restricted,omitempty"`
	Objected        []string `json:"objected,omitempty"`
	ObjectMarketing bool     `json:"object_marketing,omitempty"`
	ADMOptOut       []string `json:"adm_opt_out,omitempty"`
}

// Encode returns the JSON columns of s.
func Encode(s *hearth.PersonSettings) (Columns, error) {
	features, purposes, locs := s.Features, s.Purposes, s.FeatureLocation
	if features == nil {
		features = []string{}
	}
	if purposes == nil {
		purposes = []string{}
	}
	if locs == nil {
		locs = map[string]string{}
	}
	var c Columns
	for _, f := range []struct {
		dst *string
		src any
	}{
		{&c.Features, features}, {&c.Purposes, purposes}, {&c.FeatureLocation, locs},
		{&c.Rights, rights{RestrictAll: s.RestrictAll, Restricted: s.Restricted, Objected: s.Objected,
			ObjectMarketing: s.ObjectMarketing, ADMOptOut: s.ADMOptOut}},
	} {
		b, err := json.Marshal(f.src)
		if err != nil {
			return Columns{}, fmt.Errorf("encode settings: %w", err)
		}
		*f.dst = string(b)
	}
	return c, nil
}

// Decode sets the fields of s that c holds.
func Decode(c Columns, s *hearth.PersonSettings) error {
	var r rights
	for _, f := range []struct {
		src string
		dst any
	}{{c.Features, &s.Features}, {c.Purposes, &s.Purposes}, {c.FeatureLocation, &s.FeatureLocation}, {c.Rights, &r}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return fmt.Errorf("decode settings: %w", err)
		}
	}
	s.RestrictAll, s.Restricted, s.Objected, s.ObjectMarketing, s.ADMOptOut = r.RestrictAll, r.Restricted, r.Objected, r.ObjectMarketing, r.ADMOptOut
	return nil
}
