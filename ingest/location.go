package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/subject"
)

// defaultPolicy fills in the policy engine and subjects left nil in Config.
func (s *Service) defaultPolicy() {
	if s.policy == nil {
		e, err := policy.Compile(s.manifest)
		if err != nil {
			panic(fmt.Sprintf("ingest: compile the manifest's policy: %v", err))
		}
		s.policy = e
	}
	if s.subjects == nil {
		c, err := subject.New(subject.Config{Store: s.store, Manifest: s.manifest, Policy: s.policy, Now: s.now})
		if err != nil {
			panic(fmt.Sprintf("ingest: subject cache: %v", err))
		}
		s.subjects = c
	}
}

// locationValues is the value shape of a location reading (see
// docs/device-protocol.md): a latitude and a longitude in degrees, nothing
// else, so no other field can carry a finer position.
type locationValues struct {
	Lat *float64 `json:"lat"`
	Lon *float64 `json:"lon"`
}

// coarsen replaces a location reading's values with the centre of the grid
// cell of the precision policy allows for the subject (MIN-LOCATION), and
// records that precision: {"lat":..,"lon":..,"precision":"city"}. It
// refuses the reading when no precision is allowed, and returns EINVALID
// (field "values") for values of another shape.
func (s *Service) coarsen(subj *policy.Subject, p *Payload) error {
	var v locationValues
	dec := json.NewDecoder(bytes.NewReader(p.Values))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil || v.Lat == nil || v.Lon == nil {
		return hearth.FieldError("values", `a location reading's values must be {"lat": degrees, "lon": degrees} and nothing else`)
	}
	g := s.policy.LocationPrecision(subj, p.Category)
	if g == policy.GranularityOff {
		return refusal("category", policy.ReasonLocationOff.Code(), policy.ReasonLocationOff.String())
	}
	lat, lon, ok := policy.CoarsenLocation(g, *v.Lat, *v.Lon)
	if !ok {
		return hearth.FieldError("values", "lat must be -90 to 90 and lon -180 to 180 degrees")
	}
	b := make([]byte, 0, 64)
	b = append(b, `{"lat":`...)
	b = strconv.AppendFloat(b, lat, 'f', -1, 64)
	b = append(b, `,"lon":`...)
	b = strconv.AppendFloat(b, lon, 'f', -1, 64)
	b = append(b, `,"precision":`...)
	b = strconv.AppendQuote(b, g.String())
	p.Values = append(b, '}')
	return nil
}
