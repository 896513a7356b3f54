package device

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Reading is one message of the public device protocol (docs/device-protocol.md):
// the JSON payload a device publishes to hearth/v1/devices/{deviceID}/readings.
type Reading struct {
	ID       string         `json:"id"`       // device message ID, unique per device
	Time     string         `json:"time"`     // RFC 3339 with offset
	Category string         `json:"category"` // a category declared in the manifest
	Person   string         `json:"person,omitempty"`
	Inferred bool           `json:"inferred,omitempty"`
	Values   map[string]any `json:"values"`
}

// ModelCategories lists, for each example model (examples/thermostat.yaml),
// the categories the simulator produces for it.
var ModelCategories = map[string][]string{
	"ember-t1": {"room-temperature", "humidity", "setpoint", "occupancy", "device-health"},
	"ember-s1": {"room-temperature", "humidity", "occupancy", "device-health"},
}

// healthEvery is how many samples pass between device-health reports.
const healthEvery = 10

// Telemetry produces realistic readings for one simulated device: a
// diurnal room temperature curve that follows the heating setpoint, with
// noise; humidity moving against it; a heating schedule with occasional
// manual changes; occupancy that changes through the day; and periodic
// device health. Setpoint and occupancy are reported when they change. It
// is not safe for concurrent use.
type Telemetry struct {
	categories    []string
	persons       []string
	rng           *rand.Rand
	boot          string // random per Telemetry: message IDs stay unique across restarts
	seq           uint64
	samples       int
	setpoint      float64
	manual        float64 // a manual setpoint override, 0 when none
	hold          bool    // the override was set through an app: the schedule does not end it
	source        string  // what set the override, reported at the next setpoint reading
	firmware      string  // the firmware version device health reports
	lastScheduled float64
	occupied      bool
	battery       float64
}

// NewTelemetry returns the telemetry of a device of the given model, seeded
// with seed. persons are the person IDs occupancy may be attributed to (a
// device that recognises who is home); nil attributes readings to the
// household. It returns an error for a model not in ModelCategories.
func NewTelemetry(model string, persons []string, seed uint64) (*Telemetry, error) {
	cats, ok := ModelCategories[model]
	if !ok {
		known := make([]string, 0, len(ModelCategories))
		for m := range ModelCategories {
			known = append(known, m)
		}
		slices.Sort(known)
		return nil, fmt.Errorf("simulate model %q: known models are %s", model, strings.Join(known, ", "))
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return &Telemetry{
		categories: cats, persons: persons, rng: rng, battery: 90 + 10*rng.Float64(),
		boot: fmt.Sprintf("%08x", rand.Uint32()), samples: -1, // not from the seed: unique per run
		firmware: Firmware,
	}, nil
}

// Sample returns the readings of one sampling instant t.
func (g *Telemetry) Sample(t time.Time) []Reading {
	g.samples++
	var out []Reading
	for _, c := range g.categories {
		if v, person, ok := g.value(c, t); ok {
			out = append(out, g.reading(t, c, person, v))
		}
	}
	return out
}

func (g *Telemetry) reading(t time.Time, category, person string, v map[string]any) Reading {
	g.seq++
	return Reading{
		ID: fmt.Sprintf("%s-%d", g.boot, g.seq), Time: t.Format(time.RFC3339Nano),
		Category: category, Person: person, Values: v,
	}
}

// value returns the values of one category at t, and whether the category
// reports at this sample.
func (g *Telemetry) value(category string, t time.Time) (map[string]any, string, bool) {
	switch category {
	case "room-temperature":
		return map[string]any{"celsius": round1(g.temperature(t))}, "", true
	case "humidity":
		return map[string]any{"percent": round1(g.humidity(t))}, "", true
	case "setpoint":
		return g.setpointChange(t)
	case "occupancy":
		return g.occupancyChange(t)
	case "device-health":
		return g.health()
	}
	return nil, "", false
}

// hourOf returns the local hour of t as a fraction, 0 <= h < 24.
func hourOf(t time.Time) float64 {
	return float64(t.Hour()) + float64(t.Minute())/60 + float64(t.Second())/3600
}

// scheduled is the heating schedule: 21 °C from 06:30 to 22:30, 17 °C at night.
func scheduled(t time.Time) float64 {
	if h := hourOf(t); h >= 6.5 && h < 22.5 {
		return 21
	}
	return 17
}

// temperature is the room temperature: a curve that peaks in the afternoon
// (sun, cooking), pulled towards the setpoint, plus sensor noise.
func (g *Telemetry) temperature(t time.Time) float64 {
	diurnal := 1.5 * math.Sin(2*math.Pi*(hourOf(t)-9)/24)
	target := g.currentSetpoint(t)
	return 0.6*target + 0.4*(18.5+diurnal) + g.rng.NormFloat64()*0.15
}

// humidity moves against the temperature, between about 35 and 60 percent.
func (g *Telemetry) humidity(t time.Time) float64 {
	diurnal := -6 * math.Sin(2*math.Pi*(hourOf(t)-9)/24)
	return min(max(47+diurnal+g.rng.NormFloat64()*1.5, 20), 90)
}

func (g *Telemetry) currentSetpoint(t time.Time) float64 {
	if g.manual != 0 {
		return g.manual
	}
	return scheduled(t)
}

// setpointChange reports the setpoint at the first sample, when the
// schedule changes it (which ends a manual override), and when someone turns
// the dial (about 1 sample in 200).
func (g *Telemetry) setpointChange(t time.Time) (map[string]any, string, bool) {
	source := cmpOrString(g.source, "schedule")
	g.source = ""
	if sched := scheduled(t); sched != g.lastScheduled {
		g.lastScheduled = sched
		if !g.hold {
			g.manual = 0
		}
	}
	if g.rng.IntN(200) == 0 {
		g.manual, g.hold, source = float64(18+g.rng.IntN(7))+0.5*float64(g.rng.IntN(2)), false, "dial"
	}
	sp := g.currentSetpoint(t)
	if sp == g.setpoint && g.samples > 0 {
		return nil, "", false
	}
	g.setpoint = sp
	return map[string]any{"celsius": sp, "source": source}, "", true
}

// likelyHome reports whether someone is likely home at t: nights and
// evenings mostly, daytime sometimes.
func (g *Telemetry) likelyHome(t time.Time) bool {
	h := hourOf(t)
	switch {
	case h < 8 || h >= 18:
		return g.rng.Float64() < 0.97
	default:
		return g.rng.Float64() < 0.3
	}
}

// occupancyChange reports occupancy at the first sample and when it
// changes; with persons known, an occupied reading names who is home.
func (g *Telemetry) occupancyChange(t time.Time) (map[string]any, string, bool) {
	occ := g.likelyHome(t)
	if occ == g.occupied && g.samples > 0 {
		return nil, "", false
	}
	g.occupied = occ
	person := ""
	if occ && len(g.persons) > 0 {
		person = g.persons[g.rng.IntN(len(g.persons))]
	}
	return map[string]any{"occupied": occ}, person, true
}

// health reports battery, signal and firmware every healthEvery samples.
func (g *Telemetry) health() (map[string]any, string, bool) {
	if g.samples%healthEvery != 0 {
		return nil, "", false
	}
	g.battery = max(g.battery-0.01, 5)
	return map[string]any{
		"battery_percent": round1(g.battery),
		"rssi_dbm":        -55 - g.rng.IntN(25),
		"firmware":        g.firmware,
	}, "", true
}

// setTarget sets the target temperature an app asked for, held until
// changed; 0 returns to the schedule.
func (g *Telemetry) setTarget(celsius float64) {
	g.manual, g.hold, g.source = celsius, celsius != 0, "app"
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
