package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/synth"
)

// slotLen is the span of the day one row of a synthValues table covers.
const slotLen = 5 * time.Minute

// synthValues is a table of readings' values drawn from package synth
// (--synth-manifest): for each 5-minute slot of the day, the values of up
// to perSlot synthetic devices at that time of day, as the inside of a
// JSON object ("celsius":19.3). A run then sends values that follow the
// time of day as real devices' do (a room warmer in the afternoon), at no
// cost per message beyond a copy. It is read-only once made.
type synthValues struct {
	slots [][][]byte // [slot][k]
}

// perSlot bounds the values kept for one slot.
const perSlot = 32

// newSynthValues makes the table for category from the manifest file, with
// synth's seed. The "pad" field, which --payload-size fills, is left out.
func newSynthValues(file, category string, seed uint64) (*synthValues, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--synth-manifest: %w", err)
	}
	m, err := manifest.Parse(file, b)
	if err != nil {
		return nil, fmt.Errorf("--synth-manifest: %w", err)
	}
	if _, ok := m.Category(category); !ok {
		return nil, fmt.Errorf("--category %q is not declared in %s", category, file)
	}
	g := synth.New(m, seed)
	pop := g.Population(64)
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) // a Monday
	v := &synthValues{slots: make([][][]byte, int(24*time.Hour/slotLen))}
	for i := range pop.Households {
		h := &pop.Households[i]
		for j := range h.Devices {
			for r := range g.DeviceReadings(h, &h.Devices[j], day, day.Add(24*time.Hour)) {
				if err := v.add(r, category); err != nil {
					return nil, err
				}
			}
		}
	}
	return v, v.fill(category)
}

// add keeps r's values in its slot, if r is of category and the slot has room.
func (v *synthValues) add(r synth.Reading, category string) error {
	s := int(r.Time.Sub(r.Time.Truncate(24*time.Hour)) / slotLen)
	if r.Category != category || len(v.slots[s]) >= perSlot {
		return nil
	}
	delete(r.Values, "pad")
	if len(r.Values) == 0 {
		return fmt.Errorf("--category %q: its only field is pad", category)
	}
	b, err := json.Marshal(r.Values)
	if err != nil {
		return err
	}
	v.slots[s] = append(v.slots[s], b[1:len(b)-1])
	return nil
}

// fill gives a slot without values (such as sleep in the afternoon) the
// values of the slot before it that has some.
func (v *synthValues) fill(category string) error {
	first := slices.IndexFunc(v.slots, func(s [][]byte) bool { return len(s) > 0 })
	if first < 0 {
		return fmt.Errorf("--category %q: no model of the manifest produces it, or synth makes no readings of it in a day", category)
	}
	last := v.slots[first]
	for i := range v.slots {
		k := (first + i) % len(v.slots)
		if len(v.slots[k]) == 0 {
			v.slots[k] = last
		}
		last = v.slots[k]
	}
	return nil
}

// at returns the values for message seq scheduled at t: from t's slot of
// the day (UTC), one of its devices' by seq.
func (v *synthValues) at(seq uint64, t time.Time) []byte {
	t = t.UTC()
	s := v.slots[int(t.Sub(t.Truncate(24*time.Hour))/slotLen)]
	return s[seq%uint64(len(s))]
}
