package device

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// StateFile is the name of the reference device's state file in its
// directory. It holds everything the device keeps: its backend credential,
// its settings, the readings it keeps locally, its firmware version and the
// apps paired with its local API (only the hashes of their tokens).
const StateFile = "state.json"

// ImageFile is the name of the installed firmware image in the device's
// directory.
const ImageFile = "firmware.img"

// MaxLocalReadings is how many readings the device keeps locally, newest
// last; an older one is dropped when a new one is taken.
const MaxLocalReadings = 500

// MaxPairings is how many apps may be paired with the local API at once;
// pairing one more unpairs the oldest.
const MaxPairings = 8

// State is what the reference device keeps on its own storage, in
// StateFile. None of it depends on the household the device belongs to.
type State struct {
	DeviceID string `json:"device_id"`
	Secret   string `json:"secret"` // the backend credential
	Model    string `json:"model"`
	Firmware string `json:"firmware"`
	// Cloud says whether the cloud link is on; false is local-only mode
	// (LOCAL-ONLY): the device sends nothing to the backend.
	Cloud    bool      `json:"cloud"`
	Broker   string    `json:"broker,omitempty"` // MQTT broker URL
	API      string    `json:"api,omitempty"`    // backend HTTP base URL
	Settings Settings  `json:"settings"`
	Pairings []Pairing `json:"pairings"`
	Readings []Reading `json:"readings"`
}

// Settings are the device's own settings, the same whichever household
// it belongs to.
type Settings struct {
	// TargetCelsius is a thermostat's manual target temperature; 0 follows
	// the built-in schedule.
	TargetCelsius float64 `json:"target_celsius"`
}

// Pairing is one app paired with the local API. Only the SHA-256 hash of
// its token is kept.
type Pairing struct {
	TokenHash []byte    `json:"token_hash"`
	Name      string    `json:"name"`
	Created   time.Time `json:"created"`
}

// loadState reads the state file in dir. It returns an error wrapping
// os.ErrNotExist if there is none.
func loadState(dir string) (*State, error) {
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		return nil, fmt.Errorf("read device state: %w", err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("read device state %s: %w", filepath.Join(dir, StateFile), err)
	}
	if s.DeviceID == "" || s.Secret == "" || s.Model == "" {
		return nil, fmt.Errorf("read device state %s: device ID, secret and model are required", filepath.Join(dir, StateFile))
	}
	return &s, nil
}

// saveState writes s to the state file in dir, mode 0600, atomically: a
// crash leaves the old file or the new one, never a torn one.
func saveState(dir string, s *State) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode device state: %w", err)
	}
	return writeFileAtomic(filepath.Join(dir, StateFile), b)
}

// writeFileAtomic writes b to a temporary file beside path, syncs it and
// renames it over path.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + "." + rand.Text()[:8] + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// wipe removes everything the device keeps in dir: its state file, its
// firmware image and any temporary copy of either a crash left behind. A
// file that is already gone is not an error.
func wipe(dir string) error {
	names := []string{filepath.Join(dir, StateFile), filepath.Join(dir, ImageFile)}
	for _, f := range []string{StateFile, ImageFile} {
		tmp, _ := filepath.Glob(filepath.Join(dir, f+".*.tmp")) // the pattern is valid: no error
		names = append(names, tmp...)
	}
	var errs []error
	for _, name := range names {
		if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("wipe device state: %w", err)
	}
	return nil
}
