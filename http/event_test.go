package http_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/events"
)

// A device reports an event over HTTP with its credential, as it sends a
// reading: 204 once handled; the problem otherwise, changing nothing.
func TestDeviceEventsOverHTTP(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("Owner")
	hh := e.household(owner)
	dev, secret := e.device(owner, hh)
	var mu sync.Mutex
	var got []string
	e.events.Register("ping", hearth.DeviceEventHandlerFunc(func(_ context.Context, id string, ev hearth.DeviceEvent) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, id+"/"+ev.Type)
		return nil
	}))
	path := "/v1/devices/" + dev + "/events"
	e.want(e.do("POST", path, secret, `{"type":"ping"}`), 204)
	tests := []struct {
		name, path, secret, body string
		status                   int
		field                    string
	}{
		{"no credential", path, "", `{"type":"ping"}`, 401, ""},
		{"wrong secret", path, "not-the-secret", `{"type":"ping"}`, 401, ""},
		{"another device's path", "/v1/devices/dev_other/events", secret, `{"type":"ping"}`, 401, ""},
		{"too large", path, secret, `{"type":"` + strings.Repeat("p", hearth.MaxDeviceEventSize) + `"}`, 413, "event"},
		{"malformed", path, secret, `{"type":`, 400, "event"},
		{"unknown type", path, secret, `{"type":"reboot"}`, 400, "type"},
		{"unknown field", path, secret, `{"type":"ping","colour":"red"}`, 400, "event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := problem(t, e.do("POST", tt.path, tt.secret, tt.body), tt.status)
			if tt.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tt.field) {
				t.Errorf("problem %+v, want it about field %q", p, tt.field)
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != dev+"/ping" {
		t.Errorf("handled %q, want one ping from %s", got, dev)
	}
}

// SEC-BRUTE: past events.MaxPerMinute events a minute a device's events
// are answered 429 with Retry-After, as docs/device-protocol.md says.
func TestDeviceEventsBounded(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("Owner")
	dev, secret := e.device(owner, e.household(owner))
	e.events.Register("ping", hearth.DeviceEventHandlerFunc(func(context.Context, string, hearth.DeviceEvent) error { return nil }))
	path := "/v1/devices/" + dev + "/events"
	for range events.MaxPerMinute {
		e.want(e.do("POST", path, secret, `{"type":"ping"}`), 204)
	}
	r := e.do("POST", path, secret, `{"type":"ping"}`)
	problem(t, r, 429)
	if r.header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
}
