// Package events receives the events devices report about themselves
// (docs/device-protocol.md, "Events"), over MQTT or HTTP: it validates each
// (Parse) and hands it to the handler registered for its type. Events are
// device data for security and lifecycle (a reset, a firmware install),
// not readings: they do not pass the policy gate and are never sealed, and
// they carry no personal data.
package events

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
)

// MaxPerMinute is how many events one device may report in a minute.
// Past it the device's events are refused with ETOOMANY, for a lock that
// starts at about 4 seconds and doubles up to a minute while it goes on
// (auth.Limiter): handlers record what a device reports, and a device,
// faulty or taken over, must not make the server write without bound.
const MaxPerMinute = 60

// Dispatcher hands each valid event to the handler of its type. Register
// handlers before the transports start; its methods are safe for
// concurrent use.
type Dispatcher struct {
	mu       sync.RWMutex
	handlers map[string]hearth.DeviceEventHandler
	perDev   *auth.Limiter // events per device ID, MaxPerMinute a minute
}

// NewDispatcher returns a Dispatcher with no handlers: every event is
// refused until one is registered for its type.
func NewDispatcher() *Dispatcher {
	return NewDispatcherClock(nil)
}

// NewDispatcherClock is NewDispatcher with now as the clock of the
// per-device bound (nil means time.Now), for tests.
func NewDispatcherClock(now func() time.Time) *Dispatcher {
	return &Dispatcher{handlers: map[string]hearth.DeviceEventHandler{},
		perDev: auth.NewLimiter(MaxPerMinute, time.Minute, now)}
}

// Register makes h the handler of events of type typ. It panics if typ is
// empty or has a handler already: a wiring mistake.
func (d *Dispatcher) Register(typ string, h hearth.DeviceEventHandler) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if typ == "" || h == nil {
		panic("events: Register needs a type and a handler")
	}
	if _, ok := d.handlers[typ]; ok {
		panic("events: a handler is registered for " + typ + " already")
	}
	d.handlers[typ] = h
}

// Types lists the types that have a handler, sorted.
func (d *Dispatcher) Types() []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]string, 0, len(d.handlers))
	for t := range d.handlers {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Receive validates an event from the authenticated device dev (Parse)
// and hands it to its type's handler, returning the handler's error. It
// returns Parse's ETOOLARGE and EINVALID errors, EINVALID (Field "type")
// for a type no handler is registered for, and ETOOMANY (wrapping an
// *auth.RetryAfterError) past MaxPerMinute events of the device, valid or
// not; the handler is then not called.
func (d *Dispatcher) Receive(ctx context.Context, dev *hearth.Device, payload []byte) error {
	if ok, after := d.perDev.Allowed(dev.ID); !ok {
		return &hearth.Error{Code: hearth.ETOOMANY, Err: &auth.RetryAfterError{After: after},
			Message: fmt.Sprintf("more than %d events a minute from this device: try again later", MaxPerMinute)}
	}
	d.perDev.Fail(dev.ID)
	ev, err := Parse(payload)
	if err != nil {
		return err
	}
	d.mu.RLock()
	h := d.handlers[ev.Type]
	d.mu.RUnlock()
	if h == nil {
		return hearth.FieldError("type", "unknown event type %q; this server takes %q", truncate(ev.Type), d.Types())
	}
	if err := h.HandleDeviceEvent(ctx, dev.ID, ev); err != nil {
		return fmt.Errorf("handle %s event: %w", ev.Type, err)
	}
	return nil
}
