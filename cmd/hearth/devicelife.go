package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/lifecycle"
	"github.com/hearth-iot/hearth/metrics"
)

// startLifecycle starts the device lifecycle service (transfers, resets,
// local-only mode) and registers it for the device events it handles.
// The erasure service must be running.
func (s *server) startLifecycle() error {
	svc, err := lifecycle.NewService(lifecycle.Config{
		Store: s.store, Eraser: s.erasure, Auth: s.auth,
		Commander: &s.commander, CredentialChanged: s.credentialChanged,
	})
	if err != nil {
		return fmt.Errorf("device lifecycle: %w", err)
	}
	s.lifecycle = svc
	s.events.Register(hearth.EventFactoryReset, svc)
	s.events.Register(hearth.EventCommandRefused, svc)
	return nil
}

// deviceLogInterval is how often device log entries older than
// lifecycle.LogRetention are deleted, after once at start.
const deviceLogInterval = 24 * time.Hour

// pruneDeviceLog deletes old device log entries at start and then every
// deviceLogInterval, until ctx ends.
func (s *server) pruneDeviceLog(ctx context.Context) {
	every(ctx, deviceLogInterval, func() {
		if n, err := s.lifecycle.PruneLog(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("device log not pruned", "err", err)
		} else if n > 0 {
			s.log.Info("device log entries past their retention deleted", "entries", n)
		}
	})
}

const deviceLogSummary = `Prints a device's lifecycle log, oldest first, one entry a line: the time,
the action (transfer-started, transfer-accepted, transfer-refused,
transfer-canceled, factory-reset, reset-refused, mode-changed,
command-refused, readings-erased), its outcome, and the household, person and command IDs
where there are some. Refused attempts (a transfer code reused, expired or
used by the device's owner; a reset or a mode change asked by someone who
does not own the device) are there with why. It only reads, so it may run
while the server does.`

// runDeviceLog runs `hearth devices log`.
func runDeviceLog(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := defaultServeConfig()
	var id string
	fs := newFlagSet("devices log", deviceLogSummary, stderr)
	fs.StringVar(&cfg.Data, "data", cfg.Data, "data directory")
	cfg.registerStore(fs)
	fs.StringVar(&cfg.KEK, "kek", "", kekFlagUsage)
	fs.StringVar(&id, "id", "", "device ID (required)")
	if err := parseFlags(fs, args, getenv); err != nil {
		return helpOK(err)
	}
	if id == "" {
		return usagef("--id: give the device ID")
	}
	if err := cfg.checkStore(); err != nil {
		return err
	}
	m, err := cfg.loadManifest()
	if err != nil {
		return err
	}
	c, err := openCore(cfg, m, metrics.NewUnregistered(), nil)
	if err != nil {
		return err
	}
	defer c.close(slog.New(slog.DiscardHandler))
	entries, err := c.store.DeviceLog(ctx, id)
	if err != nil {
		return fmt.Errorf("device log: %w", err)
	}
	for _, e := range entries {
		fmt.Fprintf(stdout, "%s %s %s", e.Time.UTC().Format(time.RFC3339), e.Action, e.Outcome)
		for _, f := range [][2]string{{"household", e.HouseholdID}, {"person", e.PersonID}, {"command", e.CommandID}} {
			if f[1] != "" {
				fmt.Fprintf(stdout, " %s=%s", f[0], f[1])
			}
		}
		fmt.Fprintln(stdout)
	}
	return nil
}
