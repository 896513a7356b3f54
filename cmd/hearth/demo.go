package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/device"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
)

const demoSummary = `Runs the server on loopback with the example thermostat manifest, creates a
demo household with a demo account, provisions and claims simulated devices,
and runs them, publishing realistic telemetry over real MQTT, until
interrupted. Beside it, it loads --synthetic more households made by package
synth (synthetic people, devices, consent decisions and the last day of
readings) through the server's HTTP API. The first, a thermostat, is the reference device, with its state
in the data directory and its local API on loopback. It prints the URL, the
demo login, and the thermostat's local API address and pairing code. It leaves nothing behind
but its data directory: without --data and --kek, its key file lives in a
temporary directory that is removed when it stops, which leaves the demo's
readings unreadable.`

// The demo accounts' e-mail addresses: the owner, and a second adult who
// decides about their own data (CONSENT-MULTIUSER).
const (
	demoEmail      = "demo@hearth.example"
	demoAdultEmail = "alex@hearth.example"
)

// demoConfig is the configuration of `hearth demo`.
type demoConfig struct {
	serveConfig
	Devices   int
	Interval  time.Duration
	Synthetic int    // synthetic households loaded beside the demo household
	Seed      uint64 // their seed
	KeyDir    string // temporary directory of the key file, removed on exit; "" if none
}

// runDemo runs `hearth demo` until ctx is done.
func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseDemoFlags(args, getenv, stderr)
	if err != nil {
		return helpOK(err)
	}
	log, err := newLogger(stderr, cfg.LogLevel)
	if err != nil {
		return err
	}
	m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		return err
	}
	if cfg.KeyDir != "" {
		defer os.RemoveAll(cfg.KeyDir)
	}
	s, err := startServer(cfg.serveConfig, m, log, stdout)
	if err != nil {
		return err
	}
	runErr := s.runDemo(ctx, cfg, m, stdout)
	if err := s.stop(); err != nil {
		return err
	}
	return runErr
}

func parseDemoFlags(args []string, getenv func(string) string, stderr io.Writer) (demoConfig, error) {
	cfg := demoConfig{serveConfig: defaultServeConfig(), Devices: 3, Interval: 5 * time.Second, Synthetic: 3, Seed: 1}
	cfg.Data = ""
	fs := newFlagSet("demo", demoSummary, stderr)
	fs.StringVar(&cfg.Data, "data", "", "data directory (default: a fresh ./hearth-demo-* directory)")
	fs.StringVar(&cfg.KEK, "kek", "", "key-encryption key file, outside the data directory (default: with --data, as for serve; "+
		"without, a temporary file removed when the demo stops)")
	fs.StringVar(&cfg.HTTP, "http", cfg.HTTP, "HTTP listen address, on loopback")
	fs.StringVar(&cfg.MQTT, "mqtt", cfg.MQTT, "MQTT listen address, on loopback")
	fs.IntVar(&cfg.Devices, "devices", cfg.Devices, "number of simulated devices, 1 to 100")
	fs.DurationVar(&cfg.Interval, "interval", cfg.Interval, "how often each device samples and publishes")
	fs.IntVar(&cfg.Synthetic, "synthetic", cfg.Synthetic, "synthetic households loaded beside the demo household, 0 to 50")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the synthetic households")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "log level: debug, info, warn or error")
	if err := parseFlags(fs, args, getenv); err != nil {
		return cfg, err
	}
	if cfg.Devices < 1 || cfg.Devices > 100 {
		return cfg, usagef("--devices %d: give 1 to 100", cfg.Devices)
	}
	if cfg.Synthetic < 0 || cfg.Synthetic > 50 {
		return cfg, usagef("--synthetic %d: give 0 to 50", cfg.Synthetic)
	}
	if cfg.Interval < 100*time.Millisecond {
		return cfg, usagef("--interval %v: give at least 100ms", cfg.Interval)
	}
	cfg.Insecure = false // the demo serves plaintext, so only on loopback
	fresh := cfg.Data == ""
	if fresh {
		cfg.Data = "hearth-demo-*" // checked as given; created below once the flags are valid
	}
	if err := cfg.check(); err != nil {
		return cfg, err
	}
	if fresh {
		var err error
		if cfg.Data, err = os.MkdirTemp(".", "hearth-demo-"); err != nil {
			return cfg, fmt.Errorf("create demo data directory: %w", err)
		}
	}
	if fresh && cfg.KEK == "" {
		var err error
		if cfg.KeyDir, err = os.MkdirTemp("", "hearth-demo-key-"); err != nil {
			return cfg, fmt.Errorf("create demo key directory: %w", err)
		}
		cfg.KEK = filepath.Join(cfg.KeyDir, "demo.kek")
	}
	return cfg, nil
}

// runDemo sets up the demo household and runs the fleet until ctx is done.
func (s *server) runDemo(ctx context.Context, cfg demoConfig, m *manifest.Manifest, stdout io.Writer) error {
	password, adultPassword := rand.Text(), rand.Text()
	_, owner, err := s.auth.SignUp(ctx, demoEmail, password, "Demo Owner")
	if err != nil {
		return fmt.Errorf("create demo account: %w", err)
	}
	_, adult, err := s.auth.SignUp(ctx, demoAdultEmail, adultPassword, "Alex")
	if err != nil {
		return fmt.Errorf("create demo account: %w", err)
	}
	hh, persons, err := s.demoHousehold(ctx, owner.ID, adult.ID)
	if err != nil {
		return err
	}
	cfgs, err := s.demoDevices(ctx, owner.ID, hh.ID, cfg, persons)
	if err != nil {
		return err
	}
	thermostat, err := s.demoReference(cfg, cfgs[0])
	if err != nil {
		return err
	}
	extra := s.demoSynthetic(cfg, m)
	fleet, err := device.NewFleet(cfgs[1:])
	if err != nil {
		return fmt.Errorf("start simulated devices: %w", err)
	}
	fmt.Fprintf(stdout, "\nHearth demo is running: %s\n  e-mail:    %s\n  password:  %s\n  adult:     %s %s\n  household: %s (%d devices publishing over MQTT)\n"+
		"  thermostat: the reference device %s, local API http://%s, pairing code %s (docs/local-api.md)\n"+
		"The household's own readings serve a consent-based feature once both adults have consented and switched it on, and the owner has for the child Sam.\n"+
		"%s"+
		"Press Ctrl-C to stop. %s\n\n",
		s.httpURL, demoEmail, password, demoAdultEmail, adultPassword, hh.ID, len(cfgs),
		thermostat.DeviceID(), thermostat.LocalAddr(), thermostat.PairingCode(), extra.banner(), demoLeaves(cfg))
	synthCtx, stopSynth := context.WithCancel(ctx)
	synthDone := make(chan struct{})
	go func() { defer close(synthDone); extra.load(synthCtx) }()
	defer func() { stopSynth(); <-synthDone }()
	refCtx, stopRef := context.WithCancel(ctx)
	defer stopRef()
	refDone := make(chan error, 1)
	go func() { refDone <- thermostat.Run(refCtx) }()
	err = fleet.Run(ctx)
	if err != nil {
		stopRef() // a simulated device could not connect: the demo ends
	}
	refErr := <-refDone
	if errors.Is(refErr, device.ErrFactoryReset) {
		refErr = nil // reset through its local API: it stopped, the demo went on
	}
	s.log.Info("demo fleet stopped", "published", fleet.Published()+thermostat.Published(), "failed", fleet.Failed())
	return errors.Join(err, refErr)
}

// demoReference opens the demo's thermostat, the first device, as the
// reference device (package device), with its state in the data
// directory and its local API on loopback.
func (s *server) demoReference(cfg demoConfig, c device.Config) (*device.Reference, error) {
	r, err := device.Open(device.ReferenceConfig{
		Dir: filepath.Join(cfg.Data, "device-"+c.DeviceID), Listen: "127.0.0.1:0",
		DeviceID: c.DeviceID, Secret: c.Secret, Model: c.Model, Broker: c.Broker,
		API: s.httpURL, Persons: c.Persons, Interval: c.Interval, Logger: s.log,
	})
	if err != nil {
		return nil, fmt.Errorf("start the demo thermostat: %w", err)
	}
	return r, nil
}

// demoLeaves says what the demo leaves behind when it stops.
func demoLeaves(cfg demoConfig) string {
	if cfg.KeyDir != "" {
		return "The data stays in " + cfg.Data + "; its key file is deleted then, which leaves it unreadable."
	}
	kek, _ := kekFile(cfg.Data, cfg.KEK) // resolved already when the server started
	return "The data stays in " + cfg.Data + "; its key file is " + kek + "."
}

// demoHousehold creates the demo household: the owner, a second adult
// with their own account (adultID), who joins by invitation, and a child
// profile, Sam, whose guardian is the owner.
func (s *server) demoHousehold(ctx context.Context, ownerID, adultID string) (*hearth.Household, []string, error) {
	hh, err := s.households.CreateHousehold(ctx, ownerID, "Demo home")
	if err != nil {
		return nil, nil, fmt.Errorf("create demo household: %w", err)
	}
	token, _, err := s.households.Invite(ctx, ownerID, hh.ID, hearth.RoleAdult)
	if err != nil {
		return nil, nil, fmt.Errorf("invite demo adult: %w", err)
	}
	if _, err := s.households.Join(ctx, adultID, token); err != nil {
		return nil, nil, fmt.Errorf("join demo adult: %w", err)
	}
	kid, err := s.households.AddPerson(ctx, ownerID, hh.ID, "Sam", hearth.RoleChild, ownerID)
	if err != nil {
		return nil, nil, fmt.Errorf("add demo person: %w", err)
	}
	return hh, []string{ownerID, adultID, kid.ID}, nil
}

// demoDevices provisions and claims the demo devices: the first a
// thermostat (run as the reference device), the rest simulated room
// sensors.
func (s *server) demoDevices(ctx context.Context, ownerID, hhID string, cfg demoConfig, persons []string) ([]device.Config, error) {
	broker := "tcp://" + strings.TrimPrefix(s.mqttURL, "mqtt://")
	cfgs := make([]device.Config, 0, cfg.Devices)
	for i := range cfg.Devices {
		model := "ember-s1"
		if i == 0 {
			model = "ember-t1"
		}
		dev, secret, code, err := s.households.ProvisionDevice(ctx, model, device.Firmware)
		if err != nil {
			return nil, fmt.Errorf("provision demo device: %w", err)
		}
		if _, err := s.households.ClaimDevice(ctx, ownerID, hhID, code); err != nil {
			return nil, fmt.Errorf("claim demo device: %w", err)
		}
		cfgs = append(cfgs, device.Config{
			Broker: broker, DeviceID: dev.ID, Secret: secret, Model: model,
			Persons: persons, Interval: cfg.Interval, Logger: s.log,
		})
	}
	return cfgs, nil
}
