// Package devicetest provisions and claims devices, and reads their logs,
// for the tests of the services that act on devices (erasure, lifecycle,
// http), so each does not write the same steps again.
package devicetest

import (
	"context"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/household"
)

// Claim provisions a device of model (firmware 1.0.0) and claims it into
// household hh as person, failing t on any error; it returns the device's
// ID and secret.
func Claim(t testing.TB, svc *household.Service, person, hh, model string) (id, secret string) {
	t.Helper()
	dev, secret, code, err := svc.ProvisionDevice(t.Context(), model, "1.0.0")
	if err != nil {
		t.Fatalf("ProvisionDevice: %v", err)
	}
	if _, err := svc.ClaimDevice(t.Context(), person, hh, code); err != nil {
		t.Fatalf("ClaimDevice: %v", err)
	}
	return dev.ID, secret
}

// LogReader reads a device's log; every hearth.Store does.
type LogReader interface {
	DeviceLog(ctx context.Context, deviceID string) ([]hearth.DeviceLogEntry, error)
}

// Log returns the device log of dev as "action/outcome" lines, oldest
// first, failing t on an error.
func Log(t testing.TB, store LogReader, dev string) []string {
	t.Helper()
	log, err := store.DeviceLog(t.Context(), dev)
	if err != nil {
		t.Fatalf("DeviceLog: %v", err)
	}
	var out []string
	for _, l := range log {
		out = append(out, l.Action+"/"+l.Outcome)
	}
	return out
}
