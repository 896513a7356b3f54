package synth_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/synth"
)

// freeForm is a manifest with a free-form category and a category whose
// fields synth knows nothing of.
const freeForm = `format: 1
version: "1"
controller: {name: Fuzz Ltd, contact: privacy@fuzz.example, address: 1 Test Street}
models:
  - {id: gadget, name: Gadget, support_end: "2030-01-01", service_lifetime: 5y, categories: [blob, odd, where]}
categories:
  - {id: blob, name: Blob, kind: personal, retention: 30d, free_form: true}
  - id: odd
    name: Odd
    kind: special
    special_type: health
    retention: 1y
    values:
      - {field: x, type: number, unit: furlongs}
      - {field: n, type: integer}
      - {field: s, type: string, description: "one, two: three or four"}
      - {field: b, type: boolean}
  - {id: where, name: Where, kind: location, retention: 1y, granularities: [street, city]}
purposes:
  - {id: core, name: Core, basis: contract, core: true, categories: [blob, where]}
  - {id: care, name: Care, basis: consent, art9_condition: explicit-consent, explicit: "I agree.", categories: [odd]}
features:
  - {id: maps, name: Maps, purposes: [core], granularities: [city], implications: Maps.}
`

// FuzzGenerate: from any manifest that parses, with any seed and interval,
// the generator does not panic, and every reading is of a category its
// device's model produces and passes the policy's shape check, the one
// ingestion makes (PET-SYNTH, MIN-GATE).
func FuzzGenerate(f *testing.F) {
	for _, e := range examples.All() {
		f.Add(e.Data, uint64(1), int64(5*time.Minute))
	}
	f.Add([]byte(freeForm), uint64(2), int64(0))
	f.Add([]byte(freeForm), uint64(3), int64(time.Millisecond))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64, interval int64) {
		m, err := manifest.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		eng, err := policy.Compile(m)
		if err != nil {
			return
		}
		iv := time.Duration(interval)
		if iv < 0 || iv > 24*time.Hour {
			iv = 0
		}
		g := synth.NewWithOptions(m, seed, synth.Options{Interval: max(iv, time.Minute)})
		p := g.Population(3)
		from := time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)
		n := 0
		for r := range g.Readings(p, from, from.Add(6*time.Hour)) {
			if n++; n > 20000 {
				break
			}
			h := p.Households[0]
			for _, x := range p.Households {
				if x.ID == r.Household {
					h = x
				}
			}
			var model string
			for _, d := range h.Devices {
				if d.ID == r.Device {
					model = d.Model
				}
			}
			md, _ := m.Model(model)
			if md == nil || !slices.Contains(md.Categories, r.Category) {
				t.Fatalf("%s: category %s not produced by model %q", r.MsgID, r.Category, model)
			}
			b, _ := json.Marshal(r.Values)
			if a := eng.Conforms(r.Category, b); !a.Allow || len(r.Values) == 0 {
				t.Fatalf("%s %s %s: refused as %v", r.MsgID, r.Category, b, a.Reason)
			}
		}
		_ = synth.NewWithOptions(m, seed, synth.Options{Interval: iv}).Population(1)
	})
}
