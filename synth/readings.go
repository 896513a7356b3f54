package synth

import (
	"container/heap"
	"hash/fnv"
	"iter"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
)

// Reading is one synthetic reading, as a device would send it. Its IDs are
// the population's synthetic keys; Load maps them to Hearth's.
type Reading struct {
	Household string         `json:"household"`        // Household.ID
	Device    string         `json:"device"`           // Device.ID
	Person    string         `json:"person,omitempty"` // Person.ID the reading is about; "" for the household
	Category  string         `json:"category"`         // a category the device's model produces
	MsgID     string         `json:"id"`               // unique per device, and the same for the same reading whatever range made it
	Time      time.Time      `json:"time"`             //
	Values    map[string]any `json:"values"`           // the category's declared fields, each of its declared type
}

// DeviceReadings returns the readings of one device of household h from
// from (inclusive) to to (exclusive), in time order. Each category reports
// on its own cadence (see Options.Interval), following the household's
// days: heating schedules, who is at home, who is asleep, workouts. A
// reading is the same (message ID and values) whatever range it is
// generated in, so loading overlapping ranges sends duplicates; a state
// (occupancy, a setpoint) reports when it changes and at the range's
// start. Memory does not grow with the range.
func (g *Generator) DeviceReadings(h *Household, d *Device, from, to time.Time) iter.Seq[Reading] {
	return func(yield func(Reading) bool) {
		subs := g.substreams(h, d, from)
		for {
			var next *substream
			for _, s := range subs {
				if !s.t.Before(to) {
					continue
				}
				if next == nil || s.t.Before(next.t) {
					next = s
				}
			}
			if next == nil {
				return
			}
			r, ok := next.step()
			if ok && !yield(r) {
				return
			}
		}
	}
}

// Readings returns the readings of every device of the population from
// from (inclusive) to to (exclusive), merged in time order. Memory grows
// with the number of devices, not with the range.
func (g *Generator) Readings(p *Population, from, to time.Time) iter.Seq[Reading] {
	return func(yield func(Reading) bool) {
		var q readingHeap
		defer func() {
			for _, c := range q {
				c.stop()
			}
		}()
		for i := range p.Households {
			h := &p.Households[i]
			for j := range h.Devices {
				next, stop := iter.Pull(g.DeviceReadings(h, &h.Devices[j], from, to))
				c := &cursor{next: next, stop: stop, order: len(q)}
				if c.advance() {
					q = append(q, c)
				} else {
					stop()
				}
			}
		}
		heap.Init(&q)
		for len(q) > 0 {
			c := q[0]
			if !yield(c.r) {
				return
			}
			if c.advance() {
				heap.Fix(&q, 0)
			} else {
				c.stop()
				heap.Pop(&q)
			}
		}
	}
}

// cursor is one device's stream in Readings' merge.
type cursor struct {
	next  func() (Reading, bool)
	stop  func()
	r     Reading
	order int
}

func (c *cursor) advance() bool {
	var ok bool
	c.r, ok = c.next()
	return ok
}

type readingHeap []*cursor

func (h readingHeap) Len() int { return len(h) }
func (h readingHeap) Less(i, j int) bool {
	if !h[i].r.Time.Equal(h[j].r.Time) {
		return h[i].r.Time.Before(h[j].r.Time)
	}
	return h[i].order < h[j].order
}
func (h readingHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *readingHeap) Push(x any)   { *h = append(*h, x.(*cursor)) }
func (h *readingHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// substream is one category of one device, about one subject.
type substream struct {
	g       *Generator
	h       *Household
	d       *Device
	c       *catPlan
	subject *Person // the person the readings are about; nil for the household
	pick    bool    // each reading is about one of the household's account holders (who spoke)
	key     uint64  // stream identity, mixed into every reading's random source
	prefix  string  // message ID prefix
	t       time.Time
	last    any // the last value reported, for onChange and setpoints
	pcg     *rand.PCG
	rng     *rand.Rand
	bias    float64
}

// substreams returns a device's substreams, each at its first time at or
// after from.
func (g *Generator) substreams(h *Household, d *Device, from time.Time) []*substream {
	md, ok := g.m.Model(d.Model)
	if !ok {
		return nil
	}
	var subs []*substream
	for _, id := range md.Categories {
		c, ok := g.cats[id]
		if !ok {
			continue
		}
		for k, subject := range g.subjects(h, d, c) {
			s := &substream{g: g, h: h, d: d, c: c, subject: subject}
			s.pick = subject == nil && c.cadence == events && c.kind == manifest.KindSpecial
			s.key = hash64(d.ID, c.id, strconv.Itoa(k))
			s.prefix = strconv.FormatUint(g.seed%(1<<32), 36) + "-" + strconv.Itoa(c.index) + "-" + strconv.Itoa(k) + "-"
			s.pcg = rand.NewPCG(0, 0)
			s.rng = rand.New(s.pcg)
			s.bias = float64(int64(hash64(d.ID, "bias")%1000)-500) / 600 // ±0.8
			phase := time.Duration(s.key%uint64(c.every/time.Second)) * time.Second
			s.t = alignUp(from, c.every, phase)
			subs = append(subs, s)
		}
	}
	return subs
}

// subjects returns whom a category's readings from a device are about:
// the wearer of a worn device; each member, for a state such as
// occupancy; the household otherwise (nil), and device health always.
func (g *Generator) subjects(h *Household, d *Device, c *catPlan) []*Person {
	if c.kind == manifest.KindTechnical {
		return []*Person{nil}
	}
	if d.Wearer != "" {
		p, _ := h.Person(d.Wearer)
		return []*Person{p}
	}
	if c.cadence == onChange {
		ps := make([]*Person, len(h.People))
		for i := range h.People {
			ps[i] = &h.People[i]
		}
		return ps
	}
	return []*Person{nil}
}

// alignUp returns the first time at or after t on the grid phase + k*every
// (from the Unix epoch).
func alignUp(t time.Time, every, phase time.Duration) time.Time {
	e := int64(every)
	off := t.UnixNano() - int64(phase)
	k := off / e // truncates towards zero: for a negative off, already the step up
	if off > 0 && off%e != 0 {
		k++
	}
	return time.Unix(0, k*e+int64(phase))
}

// step makes the substream's reading at s.t, if it reports then, and
// moves s.t on.
func (s *substream) step() (Reading, bool) {
	t := s.t
	s.t = t.Add(s.c.every)
	s.pcg.Seed(s.g.seed^s.key, uint64(t.UnixNano()))
	m := s.moment(t)
	if !s.reports(m) {
		return Reading{}, false
	}
	r := Reading{
		Household: s.h.ID, Device: s.d.ID, Category: s.c.id, Time: t,
		MsgID: s.prefix + strconv.FormatInt(t.Unix(), 36),
	}
	switch {
	case s.subject != nil:
		r.Person = s.subject.ID
	case s.pick:
		r.Person = s.speaker()
	}
	if s.c.location {
		lat, lon := s.position(m)
		r.Values = map[string]any{"lat": lat, "lon": lon}
		return r, true
	}
	r.Values = make(map[string]any, len(s.c.fields))
	for i := range s.c.fields {
		f := &s.c.fields[i]
		r.Values[f.Field] = f.value(m)
	}
	return r, true
}

// reports says whether the substream reports at m, by its cadence.
func (s *substream) reports(m *moment) bool {
	switch s.c.cadence {
	case onChange:
		return s.changed(!m.out)
	case setpoints:
		return s.changed(m.setpoint)
	case nightly:
		return m.asleep
	case route:
		return m.workout
	case events:
		// About half a request an hour while someone is up and at home.
		return !m.asleep && !m.out && s.rng.Float64() < 0.5*s.c.every.Hours()
	}
	return true
}

// changed reports whether v differs from the last value (or is the first).
func (s *substream) changed(v any) bool {
	if s.last == v {
		return false
	}
	s.last = v
	return true
}

// speaker returns one of the household's people with an account, by the
// reading's random source.
func (s *substream) speaker() string {
	var ids []string
	for _, p := range s.h.People {
		if p.HasAccount() {
			ids = append(ids, p.ID)
		}
	}
	return ids[s.rng.IntN(len(ids))]
}

// moment returns the state of the subject (or, for the household, its
// owner) and the home at t.
func (s *substream) moment(t time.Time) *moment {
	who := s.subject
	if who == nil {
		who = &s.h.People[0]
	}
	local := t.In(s.g.opts.Location).Add(time.Duration(s.h.Offset) * time.Second)
	hour := float64(local.Hour()) + float64(local.Minute())/60 + float64(local.Second())/3600
	dd := s.g.day(s.h, who, local)
	m := &moment{
		t: t, hour: hour, every: s.c.every, firmware: s.d.Firmware, rng: s.rng, bias: s.bias,
		asleep: hour < dd.wake || hour >= dd.sleep,
		out:    hour >= dd.leave && hour < dd.back,
		rest:   dd.rest,
	}
	m.workout = s.d.Wearer != "" && hour >= dd.workout && hour < dd.workout+dd.workoutLen
	if m.workout {
		m.out = true
	}
	m.setpoint, m.source = s.g.setpoint(s.h, local, hour)
	m.battery = s.battery(t, local, hour)
	return m
}

// battery is the device's battery: a worn device is charged each evening
// at nine and runs down over the day; a shared one runs down over about
// fourteen months and then gets a new battery.
func (s *substream) battery(t, local time.Time, hour float64) float64 {
	if s.d.Wearer != "" {
		since := math.Mod(hour-21+24, 24)
		return clamp(100-4*since, 5, 100)
	}
	days := float64(t.Unix())/86400 + float64(hash64(s.d.ID, "battery")%420)
	return clamp(100-80*math.Mod(days, 420)/420, 5, 100)
}

// position is where the wearer is during a workout: out from home and back
// along a loop, with the loop's direction different each day.
func (s *substream) position(m *moment) (float64, float64) {
	local := m.t.In(s.g.opts.Location).Add(time.Duration(s.h.Offset) * time.Second)
	dd := s.g.day(s.h, s.subject, local)
	frac := (m.hour - dd.workout) / dd.workoutLen
	a := dd.angle + 1.2*frac
	reach := 0.02 * math.Sin(math.Pi*frac) // about 2 km out at the loop's far end
	lat := s.h.Lat + reach*math.Cos(a) + s.rng.NormFloat64()*0.00005
	lon := s.h.Lon + reach*math.Sin(a)/math.Cos(s.h.Lat*math.Pi/180) + s.rng.NormFloat64()*0.00005
	return round(lat, 6), round(lon, 6)
}

// day is one person's day: hours are local, 0 to 24.
type day struct {
	wake, sleep         float64
	leave, back         float64 // away from home; leave == back when home all day
	workout, workoutLen float64 // a workout's start and length; length 0 when none
	angle               float64 // the workout route's direction
	rest                float64 // resting heart rate
}

// day returns the person's day that local falls in. It depends only on
// the seed, the person and the date.
func (g *Generator) day(h *Household, p *Person, local time.Time) day {
	y, mo, dn := local.Date()
	date := time.Date(y, mo, dn, 0, 0, 0, 0, time.UTC).Unix() / 86400
	r := rand.New(rand.NewPCG(g.seed^hash64(p.ID, "day"), uint64(date)))
	weekend := local.Weekday() == time.Saturday || local.Weekday() == time.Sunday
	d := day{wake: 6.25 + 1.5*r.Float64(), sleep: 22.5 + 1.25*r.Float64()}
	d.rest = 55 + float64(hash64(p.ID, "rest")%18)
	if p.Role == hearth.RoleChild {
		d.wake, d.sleep = 6.75+0.5*r.Float64(), 20+r.Float64()
	}
	if weekend {
		d.wake++
	}
	switch {
	case p.Works && !weekend && p.Role == hearth.RoleChild:
		d.leave, d.back = 8.25+0.25*r.Float64(), 15.25+0.75*r.Float64()
	case p.Works && !weekend:
		d.leave, d.back = 7.5+1.5*r.Float64(), 16+2.5*r.Float64()
	case r.Float64() < 0.6: // an outing
		d.leave = 10 + 6*r.Float64()
		d.back = d.leave + 1 + 3*r.Float64()
	}
	if r.Float64() < 0.45 {
		d.workout, d.workoutLen = 17.5+1.5*r.Float64(), 0.5+0.5*r.Float64()
		if r.Float64() < 0.5 {
			d.workout = d.wake + 0.25
		}
		d.angle = 2 * math.Pi * r.Float64()
	}
	return d
}

// setpoint returns the household's heating setpoint at local time and what
// set it: a schedule (day from 06:30 to 22:30, night otherwise) with, in
// about one waking hour in twenty, a change of a degree through the app or
// the dial.
func (g *Generator) setpoint(h *Household, local time.Time, hour float64) (float64, string) {
	k := hash64(h.ID, "heating")
	dayTemp, nightTemp := 19.5+0.5*float64(k%6), 16+0.5*float64(k/6%5)
	if hour < 6.5 || hour >= 22.5 {
		return nightTemp, "schedule"
	}
	y, mo, dn := local.Date()
	block := time.Date(y, mo, dn, local.Hour(), 0, 0, 0, time.UTC).Unix() / 3600
	r := rand.New(rand.NewPCG(g.seed^k, uint64(block)))
	if r.Float64() < 0.05 {
		src := "app"
		if r.Float64() < 0.4 {
			src = "dial"
		}
		return dayTemp + float64(1-2*r.IntN(2)), src
	}
	return dayTemp, "schedule"
}

// hash64 hashes strings to a stream key (FNV-1a).
func hash64(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}
