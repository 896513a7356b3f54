package synth

import (
	"encoding/base64"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/hearth-iot/hearth/manifest"
)

// cadence is how a category reports.
type cadence uint8

const (
	continuous cadence = iota // every Options.Interval
	hourly                    // device health: once an hour
	onChange                  // a state (occupancy): checked every 10 minutes, reported when it changes
	setpoints                 // a setting with what changed it: reported when it changes
	nightly                   // sleep: every 30 minutes at night
	events                    // requests, recordings, plays: a few an hour while people are up
	route                     // a location a person moves through: every minute of a workout
)

// quantity is what a value field measures, from its name, unit, type and
// description; it decides the value's daily pattern and range.
type quantity uint8

const (
	qGeneric quantity = iota
	qTemperature
	qSetpoint
	qHumidity
	qBattery
	qPercent
	qSignal
	qHeartRate
	qHRV
	qMinutes
	qActiveMinutes
	qSeconds
	qSteps
	qErrors
	qFirmware
	qOptions
	qBase64
	qRequest
	qTitle
	qPresence
)

// field is one value field and how to make it.
type field struct {
	manifest.ValueField
	q       quantity
	options []string // for qOptions
}

// catPlan is how a category's readings are made.
type catPlan struct {
	id       string
	index    int // position in the manifest, for message IDs
	kind     string
	cadence  cadence
	every    time.Duration
	fields   []field
	location bool
}

// planCategory decides a category's cadence and its fields' quantities.
func planCategory(c *manifest.Category, interval time.Duration) *catPlan {
	p := &catPlan{id: c.ID, kind: c.Kind, cadence: continuous, every: interval, location: c.Kind == manifest.KindLocation}
	name := strings.ToLower(c.ID + " " + c.Name)
	for _, v := range c.Values {
		p.fields = append(p.fields, planField(name, v))
	}
	if len(p.fields) == 0 && !p.location {
		// A free-form category: any values object is taken, and a device
		// must send a non-empty one.
		p.fields = []field{planField(name, manifest.ValueField{Field: "value", Type: manifest.TypeNumber})}
	}
	switch {
	case p.location:
		p.cadence, p.every = route, time.Minute
	case c.Kind == manifest.KindTechnical:
		p.cadence, p.every = hourly, time.Hour
	case p.all(qPresence):
		p.cadence, p.every = onChange, 10*time.Minute
	case p.has(qSetpoint):
		p.cadence, p.every = setpoints, 30*time.Minute
	case strings.Contains(name, "sleep"):
		p.cadence, p.every = nightly, 30*time.Minute
	case p.has(qRequest) || p.has(qTitle) || p.has(qBase64):
		p.cadence, p.every = events, 10*time.Minute
	}
	return p
}

func (p *catPlan) has(q quantity) bool {
	return slices.ContainsFunc(p.fields, func(f field) bool { return f.q == q })
}

func (p *catPlan) all(q quantity) bool {
	return len(p.fields) > 0 && !slices.ContainsFunc(p.fields, func(f field) bool { return f.q != q })
}

// planField decides what a value field measures.
func planField(category string, v manifest.ValueField) field {
	f := field{ValueField: v}
	name, unit := strings.ToLower(v.Field), strings.ToLower(v.Unit)
	desc := strings.ToLower(v.Description)
	switch v.Type {
	case manifest.TypeBoolean:
		f.q = qPresence
	case manifest.TypeString:
		switch {
		case name == "firmware":
			f.q = qFirmware
		case strings.Contains(desc, "base64"):
			f.q = qBase64
		case name == "title":
			f.q = qTitle
		case name == "text" || strings.Contains(desc, "request"):
			f.q = qRequest
		default:
			if f.options = options(v.Description); len(f.options) > 1 {
				f.q = qOptions
			}
		}
	default:
		f.q = numeric(category, name, unit)
	}
	return f
}

// numeric decides what a number or integer field measures.
func numeric(category, name, unit string) quantity {
	switch {
	case unit == "°c" || name == "celsius":
		if strings.Contains(category, "setpoint") {
			return qSetpoint
		}
		return qTemperature
	case unit == "%" && strings.Contains(name, "battery"):
		return qBattery
	case unit == "%" && (strings.Contains(name, "humid") || strings.Contains(category, "humid")):
		return qHumidity
	case unit == "%":
		return qPercent
	case unit == "dbm":
		return qSignal
	case unit == "beats/min" || unit == "bpm" || name == "bpm":
		return qHeartRate
	case unit == "ms":
		return qHRV
	case unit == "min" && strings.Contains(name, "active"):
		return qActiveMinutes
	case unit == "min":
		return qMinutes
	case unit == "s":
		return qSeconds
	case strings.Contains(name, "step"):
		return qSteps
	case strings.Contains(name, "error"):
		return qErrors
	}
	return qGeneric
}

// options returns the choices a string field's description lists, such as
// "awake, light, deep or REM" or "what changed it: schedule, app or dial";
// nil unless it is a list of single words.
func options(desc string) []string {
	if i := strings.LastIndex(desc, ":"); i >= 0 {
		desc = desc[i+1:]
	}
	desc = strings.ReplaceAll(desc, " or ", ", ")
	var out []string
	for _, o := range strings.Split(desc, ",") {
		o = strings.TrimSpace(o)
		if o == "" || strings.ContainsAny(o, " \t") {
			return nil
		}
		out = append(out, o)
	}
	return out
}

// moment is what a value depends on: when, where in the day, and the
// state of the person and home at that time.
type moment struct {
	t        time.Time
	hour     float64 // local hour of day, 0 <= hour < 24
	asleep   bool
	workout  bool
	out      bool // the person is away from home
	setpoint float64
	every    time.Duration
	source   string // what changed the setpoint
	firmware string
	battery  float64
	rest     float64 // the person's resting heart rate
	bias     float64 // the device's sensor bias
	rng      *rand.Rand
}

// value returns the field's value at m, of the field's declared type.
func (f *field) value(m *moment) any {
	switch f.Type {
	case manifest.TypeBoolean:
		return !m.out
	case manifest.TypeString:
		return f.text(m)
	}
	x := f.number(m)
	if f.Type == manifest.TypeInteger {
		return int64(math.Round(x))
	}
	return round(x, 1)
}

// number returns a numeric field's value at m, within the field's range.
func (f *field) number(m *moment) float64 {
	r := m.rng
	day := math.Sin(2 * math.Pi * (m.hour - 9) / 24) // peaks mid-afternoon
	switch f.q {
	case qTemperature:
		return clamp(0.6*m.setpoint+0.4*(18.5+1.5*day)+m.bias+r.NormFloat64()*0.15, 5, 35)
	case qSetpoint:
		return m.setpoint
	case qHumidity:
		return clamp(47-6*day+3*m.bias+r.NormFloat64()*1.5, 20, 90)
	case qBattery:
		return m.battery
	case qPercent:
		return clamp(50+25*day+r.NormFloat64()*5, 0, 100)
	case qSignal:
		return clamp(-58+8*m.bias+r.NormFloat64()*4, -100, -30)
	case qHeartRate:
		return clamp(m.heartRate(), 35, 200)
	case qHRV:
		hrv := 45 + 10*m.bias
		if m.asleep {
			hrv += 15
		}
		return clamp(hrv+r.NormFloat64()*8, 10, 150)
	case qMinutes:
		return m.every.Minutes()
	case qActiveMinutes:
		return math.Round(m.activity() * m.every.Minutes())
	case qSeconds:
		if f.Type == manifest.TypeInteger {
			return float64(30 + r.IntN(400))
		}
		return 1.5 + 6*r.Float64()
	case qSteps:
		return math.Round(m.activity() * 140 * m.every.Minutes() * (0.8 + 0.4*r.Float64()))
	case qErrors:
		if r.Float64() < 0.05 {
			return float64(1 + r.IntN(2))
		}
		return 0
	}
	return clamp(0.5+0.25*day+r.NormFloat64()*0.05, 0, 1)
}

// heartRate is a person's heart rate: lower asleep, much higher in a
// workout, raised while up and about.
func (m *moment) heartRate() float64 {
	switch {
	case m.asleep:
		return m.rest - 6 + m.rng.NormFloat64()*2
	case m.workout:
		return m.rest + 75 + m.rng.NormFloat64()*8
	}
	return m.rest + 12 + 6*m.activity() + m.rng.NormFloat64()*4
}

// activity is how active the person is, 0 (asleep) to 1 (a workout).
func (m *moment) activity() float64 {
	switch {
	case m.asleep:
		return 0
	case m.workout:
		return 1
	case m.out:
		return 0.2 + 0.1*m.rng.Float64()
	}
	return 0.05 + 0.05*m.rng.Float64()
}

// text returns a string field's value at m.
func (f *field) text(m *moment) string {
	r := m.rng
	switch f.q {
	case qFirmware:
		return m.firmware
	case qBase64:
		b := make([]byte, 24)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return base64.StdEncoding.EncodeToString(b)
	case qTitle:
		return titles[r.IntN(len(titles))]
	case qRequest:
		return requests[r.IntN(len(requests))]
	case qOptions:
		return f.option(m)
	}
	return "synthetic"
}

// option picks one of the field's options: what changed a setpoint, a
// sleep stage weighted as a night's are, or any other list evenly.
func (f *field) option(m *moment) string {
	if m.source != "" && slices.Contains(f.options, m.source) {
		return m.source
	}
	weights := map[string]float64{"light": 0.5, "deep": 0.2, "rem": 0.2, "awake": 0.1}
	total := 0.0
	for _, o := range f.options {
		total += cmpOr(weights[strings.ToLower(o)], 1/float64(len(f.options)))
	}
	x := m.rng.Float64() * total
	for _, o := range f.options {
		if x -= cmpOr(weights[strings.ToLower(o)], 1/float64(len(f.options))); x < 0 {
			return o
		}
	}
	return f.options[len(f.options)-1]
}

func cmpOr(x, def float64) float64 {
	if x == 0 {
		return def
	}
	return x
}

func clamp(x, lo, hi float64) float64 { return min(max(x, lo), hi) }
