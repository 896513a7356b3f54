package events_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/events"
)

// Parse takes exactly the events of docs/device-protocol.md, and refuses
// anything else with the field at fault.
func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  hearth.DeviceEvent
		code  string
		field string
	}{
		{name: "factory reset", in: `{"type":"factory-reset"}`, want: hearth.DeviceEvent{Type: "factory-reset"}},
		{name: "firmware installed", in: `{"type":"firmware","status":"installed","version":"1.2.0"}`,
			want: hearth.DeviceEvent{Type: "firmware", Status: "installed", Version: "1.2.0"}},
		{name: "firmware refused", in: `{"type":"firmware","status":"refused","version":"1.2.0","reason":"wrong-key","detail":"signed by key 7f"}`,
			want: hearth.DeviceEvent{Type: "firmware", Status: "refused", Version: "1.2.0", Reason: "wrong-key", Detail: "signed by key 7f"}},
		{name: "command refused", in: ` {"type":"command-refused","command":"cmd_1","reason":"unknown command type"} `,
			want: hearth.DeviceEvent{Type: "command-refused", Command: "cmd_1", Reason: "unknown command type"}},
		{name: "a type this package does not know", in: `{"type":"ping"}`, want: hearth.DeviceEvent{Type: "ping"}},

		{name: "too large", in: `{"type":"` + strings.Repeat("x", hearth.MaxDeviceEventSize) + `"}`, code: hearth.ETOOLARGE, field: "event"},
		{name: "not UTF-8", in: "{\"type\":\"\xff\"}", code: hearth.EINVALID, field: "event"},
		{name: "empty", in: ``, code: hearth.EINVALID, field: "event"},
		{name: "an array", in: `[]`, code: hearth.EINVALID, field: "event"},
		{name: "cut short", in: `{"type":"factory-reset"`, code: hearth.EINVALID, field: "event"},
		{name: "something after it", in: `{"type":"factory-reset"}{}`, code: hearth.EINVALID, field: "event"},
		{name: "no type", in: `{}`, code: hearth.EINVALID, field: "type"},
		{name: "type not a string", in: `{"type":1}`, code: hearth.EINVALID, field: "type"},
		{name: "nested value", in: `{"type":"firmware","version":{"a":"b"}}`, code: hearth.EINVALID, field: "version"},
		{name: "key twice", in: `{"type":"factory-reset","type":"firmware"}`, code: hearth.EINVALID, field: "event"},
		{name: "unknown field", in: `{"type":"factory-reset","when":"now"}`, code: hearth.EINVALID, field: "event"},
		{name: "field its type does not take", in: `{"type":"factory-reset","reason":"button"}`, code: hearth.EINVALID, field: "reason"},
		{name: "field of an unknown type", in: `{"type":"ping","version":"1"}`, code: hearth.EINVALID, field: "version"},
		{name: "firmware without status", in: `{"type":"firmware","version":"1.2.0"}`, code: hearth.EINVALID, field: "status"},
		{name: "firmware other status", in: `{"type":"firmware","status":"ok","version":"1.2.0"}`, code: hearth.EINVALID, field: "status"},
		{name: "firmware without version", in: `{"type":"firmware","status":"installed"}`, code: hearth.EINVALID, field: "version"},
		{name: "firmware bad version", in: `{"type":"firmware","status":"installed","version":"1 2"}`, code: hearth.EINVALID, field: "version"},
		{name: "firmware installed with a reason", in: `{"type":"firmware","status":"installed","version":"1.2.0","reason":"expired"}`, code: hearth.EINVALID, field: "reason"},
		{name: "firmware refused without reason", in: `{"type":"firmware","status":"refused","version":"1.2.0"}`, code: hearth.EINVALID, field: "reason"},
		{name: "firmware refused other reason", in: `{"type":"firmware","status":"refused","version":"1.2.0","reason":"disliked"}`, code: hearth.EINVALID, field: "reason"},
		{name: "firmware detail too long", in: `{"type":"firmware","status":"refused","version":"1","reason":"expired","detail":"` + strings.Repeat("d", events.MaxTextLength+1) + `"}`, code: hearth.EINVALID, field: "detail"},
		{name: "command refused without command", in: `{"type":"command-refused","reason":"x"}`, code: hearth.EINVALID, field: "command"},
		{name: "command refused without reason", in: `{"type":"command-refused","command":"c1"}`, code: hearth.EINVALID, field: "reason"},
		{name: "command refused control character", in: `{"type":"command-refused","command":"c1","reason":"a\nb"}`, code: hearth.EINVALID, field: "reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := events.Parse([]byte(tt.in))
			if code := hearth.ErrorCode(err); code != tt.code || hearth.ErrorField(err) != tt.field {
				t.Fatalf("Parse error = %v (code %q, field %q), want code %q field %q", err, code, hearth.ErrorField(err), tt.code, tt.field)
			}
			if err == nil {
				if d := cmp.Diff(tt.want, got); d != "" {
					t.Errorf("Parse (-want +got):\n%s", d)
				}
			}
		})
	}
}

// FuzzParse: Parse never panics, fails only with EINVALID or ETOOLARGE,
// and an event it takes has a type and only bounded fields.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"type":"factory-reset"}`, `{"type":"firmware","status":"refused","version":"1.2.0","reason":"expired","detail":"x"}`,
		`{"type":"command-refused","command":"c","reason":"r"}`, `{"type":"a","type":"b"}`, `{"type":"\u00e9"}`, `[`, `{"type":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := events.Parse(data)
		if err != nil {
			if code := hearth.ErrorCode(err); code != hearth.EINVALID && code != hearth.ETOOLARGE {
				t.Fatalf("Parse error code %q (%v), want invalid or too_large", code, err)
			}
			return
		}
		if ev.Type == "" || len(ev.Detail) > events.MaxTextLength || len(ev.Reason) > events.MaxTextLength ||
			len(ev.Version) > events.MaxTokenLength || len(ev.Command) > events.MaxTokenLength {
			t.Fatalf("Parse(%q) = %+v: a field out of bounds", data, ev)
		}
	})
}

// The dispatcher hands a valid event to its type's handler with the
// sending device's ID, refuses a type without a handler (naming the types
// it takes) and passes the handler's error on.
func TestDispatcher(t *testing.T) {
	d := events.NewDispatcher()
	var got []string
	d.Register(hearth.EventFactoryReset, hearth.DeviceEventHandlerFunc(func(_ context.Context, id string, ev hearth.DeviceEvent) error {
		got = append(got, id+"/"+ev.Type)
		return nil
	}))
	d.Register(hearth.EventCommandRefused, hearth.DeviceEventHandlerFunc(func(context.Context, string, hearth.DeviceEvent) error {
		return hearth.Errorf(hearth.EREFUSED, "no such command")
	}))
	dev := &hearth.Device{ID: "dev_1"}
	if err := d.Receive(context.Background(), dev, []byte(`{"type":"factory-reset"}`)); err != nil {
		t.Errorf("Receive factory-reset: %v", err)
	}
	err := d.Receive(context.Background(), dev, []byte(`{"type":"firmware","status":"installed","version":"1.0.0"}`))
	if hearth.ErrorCode(err) != hearth.EINVALID || hearth.ErrorField(err) != "type" || !strings.Contains(hearth.ErrorMessage(err), "factory-reset") {
		t.Errorf("Receive firmware without a handler: %v, want EINVALID on type naming the types taken", err)
	}
	err = d.Receive(context.Background(), dev, []byte(`{"type":"command-refused","command":"c1","reason":"unknown"}`))
	if hearth.ErrorCode(err) != hearth.EREFUSED {
		t.Errorf("Receive refused by its handler: %v, want EREFUSED", err)
	}
	if d := cmp.Diff([]string{"dev_1/factory-reset"}, got); d != "" {
		t.Errorf("handled (-want +got):\n%s", d)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("a second handler for one type did not panic")
		}
	}()
	d.Register(hearth.EventFactoryReset, hearth.DeviceEventHandlerFunc(func(context.Context, string, hearth.DeviceEvent) error { return nil }))
}

// SEC-BRUTE: a device that reports more than MaxPerMinute events a minute,
// valid or not, gets ETOOMANY with a retry time and its handler is not
// called for them; another device is still served, and the first is again
// once its lock ends.
func TestDispatcherBoundsEachDevice(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	d := events.NewDispatcherClock(func() time.Time { return now })
	handled := map[string]int{}
	d.Register(hearth.EventCommandRefused, hearth.DeviceEventHandlerFunc(func(_ context.Context, id string, _ hearth.DeviceEvent) error {
		handled[id]++
		return nil
	}))
	noisy, quiet := &hearth.Device{ID: "dev_noisy"}, &hearth.Device{ID: "dev_quiet"}
	event := []byte(`{"type":"command-refused","command":"c1","reason":"unknown"}`)
	for i := range events.MaxPerMinute {
		payload := event
		if i%2 == 1 {
			payload = []byte(`{"type":"ping"}`) // refused ones count too
		}
		d.Receive(context.Background(), noisy, payload)
	}
	err := d.Receive(context.Background(), noisy, event)
	var ra interface{ RetryAfter() time.Duration }
	if hearth.ErrorCode(err) != hearth.ETOOMANY || !errors.As(err, &ra) || ra.RetryAfter() <= 0 {
		t.Fatalf("event %d of a minute: %v, want ETOOMANY with a retry time", events.MaxPerMinute+1, err)
	}
	if want := events.MaxPerMinute / 2; handled[noisy.ID] != want {
		t.Errorf("handled %d events of the noisy device, want %d (none past the bound)", handled[noisy.ID], want)
	}
	if err := d.Receive(context.Background(), quiet, event); err != nil || handled[quiet.ID] != 1 {
		t.Errorf("another device's event: %v, handled %d; want it handled", err, handled[quiet.ID])
	}
	now = now.Add(ra.RetryAfter())
	if err := d.Receive(context.Background(), noisy, event); err != nil {
		t.Errorf("after the lock: %v, want the event handled", err)
	}
}
