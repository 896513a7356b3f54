// Package examples embeds Hearth's example privacy manifests, so the binary
// runs without any file of the manufacturer's: `hearth demo` and `hearth
// serve` without --manifest use Thermostat. Every example parses and lints
// clean (a test keeps it so).
package examples

import _ "embed"

// File names of the examples, used in problem reports.
const (
	ThermostatName     = "examples/thermostat.yaml"
	SmartSpeakerName   = "examples/smart-speaker.yaml"
	FitnessTrackerName = "examples/fitness-tracker.yaml"
)

// Thermostat is the privacy manifest of a smart thermostat for a family home
// where children are likely users (models ember-t1 and ember-s1). It is
// read-only: do not modify the slice.
//
//go:embed thermostat.yaml
var Thermostat []byte

// SmartSpeaker is the privacy manifest of a smart speaker with a voice
// assistant and voice ID (biometric identification on explicit consent).
// It is read-only: do not modify the slice.
//
//go:embed smart-speaker.yaml
var SmartSpeaker []byte

// FitnessTracker is the privacy manifest of a wrist-worn fitness tracker
// with heart rate (health data on explicit consent) and GPS routes. It is
// read-only: do not modify the slice.
//
//go:embed fitness-tracker.yaml
var FitnessTracker []byte

// Example is one embedded example manifest.
type Example struct {
	Name string // file name, such as "examples/thermostat.yaml"
	Data []byte // the manifest; read-only
}

// All returns every example manifest.
func All() []Example {
	return []Example{
		{ThermostatName, Thermostat},
		{SmartSpeakerName, SmartSpeaker},
		{FitnessTrackerName, FitnessTracker},
	}
}
