package policy_test

import (
	"testing"

	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/policy"
)

// benchEngine compiles the thermostat example and a subject who consented
// to energy insights, as on the ingest path of `hearth demo`.
func benchEngine(b *testing.B) (*policy.Engine, *policy.Subject) {
	e := example(b, examples.ThermostatName)
	s := state{consented: []string{"energy-insights"}, features: []string{"energy-insights"}}.subject(b, e)
	return e, s
}

// BenchmarkIngest measures one ingestion decision (issue 3's target: no
// allocation, well under a microsecond).
func BenchmarkIngest(b *testing.B) {
	e, s := benchEngine(b)
	b.ReportAllocs()
	for b.Loop() {
		if !e.Ingest(s, "setpoint", now).Allow {
			b.Fatal("Ingest refused, want allowed")
		}
	}
}

// BenchmarkIngestRefused measures a refusal, which walks every purpose
// using the category.
func BenchmarkIngestRefused(b *testing.B) {
	e, s := benchEngine(b)
	s.Restricted, _ = e.PurposeBits("heating-control", "energy-insights")
	b.ReportAllocs()
	for b.Loop() {
		if e.Ingest(s, "setpoint", now).Allow {
			b.Fatal("Ingest allowed, want refused")
		}
	}
}

// BenchmarkRead measures one read decision.
func BenchmarkRead(b *testing.B) {
	e, s := benchEngine(b)
	b.ReportAllocs()
	for b.Loop() {
		if !e.Read(s, "energy-insights", "room-temperature", now).Allow {
			b.Fatal("Read refused, want allowed")
		}
	}
}
