// Package examples embeds Hearth's example privacy manifests, so the binary
// runs without any file of the manufacturer's: `hearth demo` and `hearth
// serve` without --manifest use Thermostat.
package examples

import _ "embed"

// ThermostatName is the file name of the Thermostat manifest, used in
// problem reports.
const ThermostatName = "examples/thermostat.yaml"

// Thermostat is the privacy manifest of a smart thermostat for a family home
// (models ember-t1 and ember-s1). It is read-only: do not modify the slice.
//
//go:embed thermostat.yaml
var Thermostat []byte
