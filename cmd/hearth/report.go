package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/audit"
	"github.com/hearth-iot/hearth/compliance"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/webhook"
)

const reportSummary = `Prints the compliance report of this instance: every requirement ID of
compliance/requirements.md, once, with its status (met, met-by-code, not-met
or not-applicable), what meets it or plainly why not, and the tests that show
it. It reads the same flags and HEARTH_* environment variables as serve (the
manifest, TLS, proxies, recipients, firmware keys, security contact) and the
data directory or database, whose consent ledger and audit log it verifies; it only reads,
and may run while the server runs. Formats: md, html or json.`

// runReport runs `hearth report [serve's flags] [--format md|html|json] [--out FILE]`.
func runReport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	cfg := defaultServeConfig()
	format, out := "md", ""
	fs := newFlagSet("report", reportSummary, stderr)
	cfg.register(fs)
	fs.StringVar(&format, "format", format, "md, html or json")
	fs.StringVar(&out, "out", "", "write to this file instead of stdout")
	if err := parseFlags(fs, args, getenv); err != nil {
		return helpOK(err)
	}
	render, ok := reportFormats[format]
	if !ok {
		return usagef("--format %q: use md, html or json", format)
	}
	if err := cfg.check(); err != nil {
		return err
	}
	m, err := cfg.loadManifest()
	if err != nil {
		return err
	}
	f, err := configFacts(cfg, m)
	if err != nil {
		return err
	}
	store, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if f.Ledger, err = ledgerCheck(ctx, store); err != nil {
		return err
	}
	if f.Audit, err = auditCheck(ctx, store); err != nil {
		return err
	}
	r := buildReport(f)
	dst := stdout
	if out != "" {
		file, err := os.Create(out)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		defer func() {
			if cerr := file.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("report: %w", cerr)
			}
		}()
		dst = file
	}
	w := bufio.NewWriter(dst)
	if err := render(r, w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

var reportFormats = map[string]func(compliance.Report, io.Writer) error{
	"md":   compliance.Report.Markdown,
	"html": compliance.Report.HTML,
	"json": compliance.Report.JSON,
}

// configFacts returns the facts of an instance that its configuration and
// manifest decide; the chains' checks are left for the caller. The parts
// of issue 17 that other areas wire in (OAuth, the audit log, differential
// privacy, synthetic data) set their fields here when they land.
func configFacts(cfg serveConfig, m *manifest.Manifest) (compliance.Facts, error) {
	f := compliance.Facts{Manifest: m, TLS: cfg.TLSCert != "", Insecure: cfg.Insecure, Passkeys: cfg.webauthnOrigin() != "",
		OAuth: true, // every server runs the OAuth 2 authorization server (oauth.go); clients are registered with `hearth clients add`
	}
	proxies, err := cfg.trustedProxies()
	if err != nil {
		return f, err
	}
	lbs, err := cfg.proxyProtocol()
	if err != nil {
		return f, err
	}
	f.TrustedProxies, f.ProxyProtocol = len(proxies), len(lbs)
	f.AuditLog = true                            // every server records accesses and operator actions (package audit; auditserve.go)
	_, f.AnalyticsBudget = m.StatisticsPurpose() // PET-DP: the analytics service charges every query to the manifest's budgets
	f.Synthetic = true                           // package synth, built in: `hearth demo` and `hearth synth` (docs/synth.md)
	if f.SecurityContact = splitList(cfg.Disclosure.Contacts); len(f.SecurityContact) == 0 && m.Controller.Contact != "" {
		f.SecurityContact = []string{controllerContact(m.Controller.Contact)}
	}
	keys, err := cfg.loadFirmwareKeys()
	if err != nil {
		return f, err
	}
	f.FirmwareKeys = len(keys)
	if cfg.Recipients != "" {
		eps, err := webhook.LoadConfig(cfg.Recipients, m)
		if err != nil {
			return f, fmt.Errorf("recipients: %w", err)
		}
		for id := range eps {
			f.RecipientsConfigured = append(f.RecipientsConfigured, id)
		}
		slices.Sort(f.RecipientsConfigured)
	}
	return f, nil
}

// ledgerCheck verifies the consent ledger's chain: a break is reported in
// the check, a failure to read it is an error.
func ledgerCheck(ctx context.Context, store hearth.Store) (compliance.Check, error) {
	head, err := ledger.Verify(ledger.Entries(ctx, store, 0))
	return chainCheck(head.Seq, err)
}

// auditCheck verifies the audit log's chain, as ledgerCheck the consent
// ledger's.
func auditCheck(ctx context.Context, store hearth.Store) (compliance.Check, error) {
	head, err := audit.Verify(ctx, store.AuditLog())
	return chainCheck(head.Seq, err)
}

// chainCheck turns a chain's verification into the report's check: the
// head's sequence number of an intact chain, or its first break.
func chainCheck(seq int64, err error) (compliance.Check, error) {
	var p *ledger.Problem
	switch {
	case errors.As(err, &p):
		return compliance.Check{Checked: true, Entries: p.Seq - 1, Problem: p.Error()}, nil
	case err != nil:
		return compliance.Check{}, err
	}
	return compliance.Check{Checked: true, Intact: true, Entries: seq}, nil
}

// report builds the server's compliance report now, verifying the consent
// ledger and the audit log (GET /v1/operator/report and the console's
// report page).
func (s *server) report(ctx context.Context) (compliance.Report, error) {
	f := s.facts
	var err error
	if f.Ledger, err = ledgerCheck(ctx, s.store); err != nil {
		return compliance.Report{}, err
	}
	if f.Audit, err = auditCheck(ctx, s.db); err != nil {
		return compliance.Report{}, err
	}
	return buildReport(f), nil
}

// buildReport reports every requirement on the instance f describes, with
// the evidence map compiled into this binary.
func buildReport(f compliance.Facts) compliance.Report {
	return compliance.Build(compliance.Requirements(), compliance.EmbeddedEvidence(), f, time.Now())
}
