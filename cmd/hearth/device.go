package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hearth-iot/hearth/device"
)

const deviceSummary = `Runs Hearth's reference device: a thermostat (model ember-t1) or room sensor
(ember-s1) that keeps its state in --dir, serves its local API
(docs/local-api.md) on --listen, and, while its cloud link is on, publishes
its readings to the backend over MQTT and honours the backend's commands
(docs/device-protocol.md), installing firmware only when signed by a key in
--trusted-keys. It prints the local API's address and the
pairing code apps use. The first start needs the device's credential
(--id, --secret-file, --model, from 'hearth devices provision'); later
starts read it from the state file. It runs until interrupted, or until a
factory reset wipes its state.`

// deviceConfig is the configuration of `hearth device`.
type deviceConfig struct {
	Dir, Listen, Broker, API string
	ID, SecretFile, Model    string
	Firmware                 string
	TrustedKeys              string
	Interval                 time.Duration
	LogLevel                 string
}

// runDevice runs `hearth device` until ctx is done or a factory reset.
func runDevice(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseDeviceFlags(args, getenv, stderr)
	if err != nil {
		return helpOK(err)
	}
	log, err := newLogger(stderr, cfg.LogLevel)
	if err != nil {
		return err
	}
	rc := device.ReferenceConfig{Dir: cfg.Dir, Listen: cfg.Listen, Broker: cfg.Broker, API: cfg.API,
		DeviceID: cfg.ID, Model: cfg.Model, Firmware: cfg.Firmware, Interval: cfg.Interval, Logger: log}
	if cfg.TrustedKeys != "" {
		if rc.TrustedKeys, err = readTrustedKeys(cfg.TrustedKeys); err != nil {
			return fmt.Errorf("--trusted-keys: %w", err)
		}
	}
	if cfg.SecretFile != "" {
		b, err := os.ReadFile(cfg.SecretFile)
		if err != nil {
			return fmt.Errorf("--secret-file: %w", err)
		}
		rc.Secret = strings.TrimSpace(string(b))
	}
	r, err := device.Open(rc)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "hearth device: %s local API listening on http://%s\nhearth device: pairing code %s\n",
		r.DeviceID(), r.LocalAddr(), r.PairingCode())
	err = r.Run(ctx)
	if errors.Is(err, device.ErrFactoryReset) {
		fmt.Fprintf(stdout, "hearth device: factory reset: %s wiped; stopped\n", cfg.Dir)
		return nil
	}
	return err
}

func parseDeviceFlags(args []string, getenv func(string) string, stderr io.Writer) (deviceConfig, error) {
	cfg := deviceConfig{Listen: device.DefaultListen, Interval: device.DefaultInterval, LogLevel: "info"}
	fs := newFlagSet("device", deviceSummary, stderr)
	fs.StringVar(&cfg.Dir, "dir", "", "the device's own directory, for its state file (required)")
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "local API listen address, on the home network")
	fs.StringVar(&cfg.Broker, "broker", "", "the backend's MQTT broker: tcp://host:port or ssl://host:port (default: the one stored)")
	fs.StringVar(&cfg.API, "api", "", "the backend's HTTP API base URL, for events and firmware images (default: the one stored)")
	fs.StringVar(&cfg.ID, "id", "", "first start: the device ID")
	fs.StringVar(&cfg.SecretFile, "secret-file", "", "first start: a file holding the device secret")
	fs.StringVar(&cfg.Model, "model", "", "first start: the model, ember-t1 or ember-s1")
	fs.StringVar(&cfg.Firmware, "firmware", device.Firmware, "first start: the installed firmware version, as provisioned")
	fs.StringVar(&cfg.TrustedKeys, "trusted-keys", "", "PEM file of the Ed25519 public keys firmware releases must be signed by (hearth firmware keygen); "+
		"without it the device refuses every firmware update")
	fs.DurationVar(&cfg.Interval, "interval", cfg.Interval, "how often the device takes a reading")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "log level: debug, info, warn or error")
	if err := parseFlags(fs, args, getenv); err != nil {
		return cfg, err
	}
	switch {
	case cfg.Dir == "":
		return cfg, usagef("--dir: give the device's directory")
	case cfg.Interval < 100*time.Millisecond:
		return cfg, usagef("--interval %v: give at least 100ms", cfg.Interval)
	}
	return cfg, nil
}
