package device

import (
	"errors"
	"fmt"
	"slices"
)

// errResetting is the answer to anything asked of a device that is
// factory-resetting.
var errResetting = errors.New("the device is factory-resetting")

// Status is what the local API shows of the device (GET /local/v1/state).
type Status struct {
	DeviceID  string       `json:"device_id"`
	Model     string       `json:"model"`
	Firmware  string       `json:"firmware"`
	Cloud     bool         `json:"cloud"`     // the cloud link is on (false: local-only mode)
	Connected bool         `json:"connected"` // connected to the backend now
	Settings  Settings     `json:"settings"`
	Readings  int          `json:"readings"` // readings kept locally
	Update    UpdateStatus `json:"update"`
	Paired    int          `json:"paired_apps"`
}

// lockLive locks r.mu, unless the device is factory-resetting: then it
// returns errResetting, unlocked.
func (r *Reference) lockLive() error {
	r.mu.Lock()
	if r.resetting {
		r.mu.Unlock()
		return errResetting
	}
	return nil
}

// Status returns the device's state as the local API shows it.
func (r *Reference) Status() Status {
	connected := r.Connected()
	r.mu.Lock()
	defer r.mu.Unlock()
	return Status{
		DeviceID: r.st.DeviceID, Model: r.st.Model, Firmware: r.st.Firmware,
		Cloud: r.st.Cloud, Connected: connected, Settings: r.st.Settings,
		Readings: len(r.st.Readings), Update: r.update, Paired: len(r.st.Pairings),
	}
}

// Readings returns up to limit of the readings kept locally, newest last,
// of category if it is not "".
func (r *Reference) Readings(category string, limit int) []Reading {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Reading
	for i := len(r.st.Readings) - 1; i >= 0 && len(out) < limit; i-- {
		if category == "" || r.st.Readings[i].Category == category {
			out = append(out, r.st.Readings[i])
		}
	}
	slices.Reverse(out)
	return out
}

// SetTarget sets a thermostat's target temperature, held until changed; 0
// returns to the schedule. It returns an error for a model without a
// setpoint, or during a factory reset.
func (r *Reference) SetTarget(celsius float64) error {
	if err := r.lockLive(); err != nil {
		return err
	}
	defer r.mu.Unlock()
	if !slices.Contains(ModelCategories[r.st.Model], "setpoint") {
		return fmt.Errorf("model %s has no target temperature", r.st.Model)
	}
	r.st.Settings.TargetCelsius = celsius
	r.telemetry.setTarget(celsius)
	return saveState(r.cfg.Dir, r.st)
}

// SetCloud switches the cloud link on or off. Off is local-only mode
// (LOCAL-ONLY): the device disconnects from the backend and sends it
// nothing until the link is switched on again; it keeps taking readings
// and serving its local API. The choice is kept in the state file.
func (r *Reference) SetCloud(on bool) error {
	if err := r.lockLive(); err != nil {
		return err
	}
	r.st.Cloud = on
	err := saveState(r.cfg.Dir, r.st)
	if on {
		r.startCloudLocked()
		r.mu.Unlock()
		return err
	}
	r.mu.Unlock()
	r.stopCloud()
	return err
}

// SetCredential replaces the device's backend credential, as after an
// ownership transfer that rotated it, and reconnects with it if the cloud
// link is on. It returns an error during a factory reset.
func (r *Reference) SetCredential(secret string) error {
	if err := r.lockLive(); err != nil {
		return err
	}
	r.st.Secret = secret
	err := saveState(r.cfg.Dir, r.st)
	on := r.st.Cloud
	r.mu.Unlock()
	if on {
		r.stopCloud()
		r.mu.Lock()
		if r.st.Cloud && !r.resetting {
			r.startCloudLocked()
		}
		r.mu.Unlock()
	}
	return err
}

// FactoryReset wipes everything the device keeps (its state file and
// firmware image), announces the reset to the backend with the credential
// it had (a factory-reset event: over MQTT while connected, else over
// HTTP), disconnects and makes Run return ErrFactoryReset. The wipe happens
// first, so the data is gone even if the backend cannot be told; the error
// returned says why it could not. A second call does nothing and returns
// nil.
func (r *Reference) FactoryReset() error {
	var announceErr error
	r.resetOnce.Do(func() {
		r.mu.Lock()
		r.resetting = true
		id, secret, c := r.st.DeviceID, r.st.Secret, r.client
		r.st = &State{DeviceID: id, Model: r.st.Model, Firmware: r.st.Firmware, API: r.st.API}
		err := wipe(r.cfg.Dir)
		r.mu.Unlock()
		if err != nil {
			r.cfg.Logger.Error("factory reset: wipe failed", "err", err)
		}
		if announceErr = r.sendEvent(Event{Type: "factory-reset"}, id, secret, c); announceErr != nil {
			r.cfg.Logger.Warn("factory reset not announced", "device", id, "err", announceErr)
		}
		r.stopCloud()
		close(r.reset)
	})
	return announceErr
}

// Reset returns a channel closed once a factory reset is done.
func (r *Reference) Reset() <-chan struct{} { return r.reset }
