package main

import (
	"context"
	"crypto/rand"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/hearth-iot/hearth/metrics"
)

const provisionSummary = `Provisions devices of a manifest model (the manufacturer's tool): each gets
a unique random secret and a one-time claim code, written once to the CSV
file --out as device_id,secret,claim_code (mode 0600); Hearth keeps only
their hashes. With --household, it also creates a household and claims the
devices into it (their claim codes are then used up and left empty), and
prints the household owner's sign-in. Run it while the server is stopped, or
on another data directory.`

// provisionConfig is the configuration of `hearth devices provision`.
type provisionConfig struct {
	serveConfig
	Model      string
	Count      int
	Firmware   string
	Household  string
	OwnerEmail string
	Out        string
}

// runDevices runs `hearth devices SUBCOMMAND`.
func runDevices(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "log" {
		return runDeviceLog(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "provision" {
		return usagef("devices: give a subcommand: provision or log")
	}
	cfg, err := parseProvisionFlags(args[1:], getenv, stderr)
	if err != nil {
		return helpOK(err)
	}
	m, err := cfg.loadManifest()
	if err != nil {
		return err
	}
	if _, ok := m.Model(cfg.Model); !ok {
		return usagef("--model %q: not a model in the manifest", cfg.Model)
	}
	c, err := openCore(cfg.serveConfig, m, metrics.NewUnregistered(), nil)
	if err != nil {
		return err
	}
	err = provision(ctx, c, cfg, stdout)
	if cerr := c.close(slog.New(slog.DiscardHandler)); err == nil {
		err = cerr
	}
	return err
}

func parseProvisionFlags(args []string, getenv func(string) string, stderr io.Writer) (provisionConfig, error) {
	cfg := provisionConfig{serveConfig: defaultServeConfig(), Count: 1, Firmware: "1.0.0"}
	fs := newFlagSet("devices provision", provisionSummary, stderr)
	fs.StringVar(&cfg.Data, "data", cfg.Data, "data directory")
	cfg.registerStore(fs)
	fs.StringVar(&cfg.Manifest, "manifest", "", "privacy manifest file (default: the embedded example)")
	fs.StringVar(&cfg.KEK, "kek", "", kekFlagUsage)
	fs.StringVar(&cfg.Model, "model", "", "device model ID from the manifest (required)")
	fs.IntVar(&cfg.Count, "count", cfg.Count, "number of devices, 1 to 100000")
	fs.StringVar(&cfg.Firmware, "firmware", cfg.Firmware, "firmware version of the devices")
	fs.StringVar(&cfg.Household, "household", "", "create a household with this name and claim the devices into it")
	fs.StringVar(&cfg.OwnerEmail, "owner-email", "", "with --household: the owner's sign-in e-mail (default: a generated address)")
	fs.StringVar(&cfg.Out, "out", "", "CSV file to write device_id,secret,claim_code to (required; must not exist)")
	if err := parseFlags(fs, args, getenv); err != nil {
		return cfg, err
	}
	switch {
	case cfg.Model == "":
		return cfg, usagef("--model: give a device model ID from the manifest")
	case cfg.Out == "":
		return cfg, usagef("--out: give the CSV file to write the credentials to")
	case cfg.Count < 1 || cfg.Count > 100000:
		return cfg, usagef("--count %d: give 1 to 100000", cfg.Count)
	}
	if err := cfg.checkStore(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// provision creates the devices and writes their credentials.
func provision(ctx context.Context, c *core, cfg provisionConfig, stdout io.Writer) error {
	f, err := os.OpenFile(cfg.Out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create credentials file: %w", err)
	}
	defer f.Close()
	owner, hhID, err := provisionHousehold(ctx, c, cfg, stdout)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"device_id", "secret", "claim_code"})
	for range cfg.Count {
		dev, secret, code, err := c.households.ProvisionDevice(ctx, cfg.Model, cfg.Firmware)
		if err != nil {
			return fmt.Errorf("provision device: %w", err)
		}
		if hhID != "" {
			if _, err := c.households.ClaimDevice(ctx, owner, hhID, code); err != nil {
				return fmt.Errorf("claim device: %w", err)
			}
			code = ""
		}
		w.Write([]string{dev.ID, secret, code})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	fmt.Fprintf(stdout, "provisioned %d %s devices; credentials in %s\n", cfg.Count, cfg.Model, cfg.Out)
	return nil
}

// provisionHousehold creates the --household household, owned by a new
// account whose sign-in it prints, and returns the owner's person ID and
// the household ID; both are "" without --household.
func provisionHousehold(ctx context.Context, c *core, cfg provisionConfig, stdout io.Writer) (string, string, error) {
	if cfg.Household == "" {
		return "", "", nil
	}
	email := cfg.OwnerEmail
	if email == "" {
		email = "owner-" + strings.ToLower(rand.Text()[:10]) + "@hearth.example"
	}
	password := rand.Text()
	_, owner, err := c.auth.SignUp(ctx, email, password, "Household owner")
	if err != nil {
		return "", "", fmt.Errorf("create household owner: %w", err)
	}
	hh, err := c.households.CreateHousehold(ctx, owner.ID, cfg.Household)
	if err != nil {
		return "", "", err
	}
	fmt.Fprintf(stdout, "household %s created; owner sign-in: e-mail %s password %s\n", hh.ID, email, password)
	return owner.ID, hh.ID, nil
}
