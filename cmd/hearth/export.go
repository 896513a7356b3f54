package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/hearth-iot/hearth/export"
	"github.com/hearth-iot/hearth/metrics"
)

const exportSummary = `Writes everything Hearth keeps about one person to a ZIP file (RIGHT-ACCESS):
their readings in every category, opened, as JSON Lines and CSV; their
profile, settings, consents with the ledger and receipts, notices shown,
notifications, who receives each category and for how long, and an
index.html they can read. The format is docs/export-format.md. The file is
written with mode 0600; on a terminal it shows progress. Run it while the
server is stopped, or on a copy of the data directory.`

const importSummary = `Restores a person from an export ZIP (RIGHT-PORT): usage
hearth import [flags] FILE.zip. It verifies the whole file first (format
version, every file's SHA-256, every consent entry's hash) and refuses a
corrupt, truncated, tampered or wrong-version file with the exact problem,
changing nothing. Then, in one transaction, it restores the person under
their original ID, their households (or joins --household), settings,
consents as consent-imported ledger entries carrying the original hashes,
and readings sealed again with this instance's keys. Importing the same file
again changes nothing. On a terminal it shows progress.`

// exportConfig is the configuration of `hearth export` and `hearth import`.
type exportConfig struct {
	serveConfig
	Person    string
	Out       string
	Household string
}

// registerStore defines the store (--data, or --store and --keys-store), key
// and manifest flags.
func (c *exportConfig) registerStore(fs interface {
	StringVar(p *string, name, value, usage string)
}) {
	fs.StringVar(&c.Data, "data", c.Data, "data directory holding hearth.db and keys.db")
	fs.StringVar(&c.Store, "store", c.Store, "PostgreSQL URL of the data database, as the server was given (default: SQLite in --data)")
	fs.StringVar(&c.KeysStore, "keys-store", c.KeysStore, "PostgreSQL URL of the key database (default: --store's database name with _keys appended)")
	fs.StringVar(&c.KEK, "kek", c.KEK, kekFlagUsage)
	fs.StringVar(&c.Manifest, "manifest", c.Manifest, "the privacy manifest the server runs with (default: the embedded example thermostat manifest)")
}

// newExports returns the export service of a core.
func newExports(c *core, cfg serveConfig) (*export.Service, error) {
	host, err := os.Hostname()
	if err != nil {
		host = "localhost"
	}
	svc, err := export.New(export.Config{Store: c.store, Keys: c.keys, Manifest: c.manifest, Policy: c.privacy.policy,
		Consents: c.privacy.consents, Rights: c.rights, Instance: "hearth@" + host, Imported: c.privacy.subjects.Invalidate})
	if err != nil {
		return nil, fmt.Errorf("export service: %w", err)
	}
	return svc, nil
}

// runExport runs `hearth export`.
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := exportConfig{serveConfig: defaultServeConfig()}
	fs := newFlagSet("export", exportSummary, stderr)
	cfg.registerStore(fs)
	fs.StringVar(&cfg.Person, "person", "", "the ID of the person to export (p_...)")
	fs.StringVar(&cfg.Out, "out", "", "the ZIP file to write")
	if err := parseFlags(fs, args, getenv); err != nil {
		return helpOK(err)
	}
	if cfg.Person == "" || cfg.Out == "" {
		return usagef("export: give --person and --out")
	}
	return withCore(cfg.serveConfig, func(c *core) error {
		if err := writeExport(ctx, c, cfg, stdout, stderr); err != nil {
			return err
		}
		return c.recordAdmin(ctx, "export", "", cfg.Person)
	})
}

// withCore opens the data directory, which must exist, runs fn and closes it.
func withCore(cfg serveConfig, fn func(c *core) error) error {
	if err := cfg.existingStore(); err != nil {
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
	err = fn(c)
	if cerr := c.close(slog.New(slog.DiscardHandler)); err == nil {
		err = cerr
	}
	return err
}

// writeExport writes the export to a temporary file beside cfg.Out and
// renames it into place once complete, so a failed export leaves no
// partial file behind.
func writeExport(ctx context.Context, c *core, cfg exportConfig, stdout, stderr io.Writer) error {
	f, err := os.CreateTemp(filepath.Dir(cfg.Out), ".hearth-export-*")
	if err != nil {
		return fmt.Errorf("create export file: %w", err)
	}
	defer os.Remove(f.Name())
	p := newProgress(stderr, "exported", countAmount("readings"))
	meta, err := c.exports.Write(ctx, f, cfg.Person, p.Set)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	p.Finish()
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.Rename(f.Name(), cfg.Out); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	var n int64
	for _, fi := range meta.Files {
		if filepath.Ext(fi.Path) == ".jsonl" && filepath.Dir(fi.Path) == "readings" {
			n += fi.Records
		}
	}
	fmt.Fprintf(stdout, "exported person %s: %d readings, export %s, to %s\n", meta.PersonID, n, meta.ExportID, cfg.Out)
	return nil
}

// runImport runs `hearth import`.
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := exportConfig{serveConfig: defaultServeConfig()}
	fs := newFlagSet("import", importSummary, stderr)
	cfg.registerStore(fs)
	fs.StringVar(&cfg.Household, "household", "", "join this existing household instead of recreating the export's households")
	if err := parseFlagsAndArgs(fs, args, getenv); err != nil {
		return helpOK(err)
	}
	if fs.NArg() != 1 {
		return usagef("import: give exactly one export file after the flags")
	}
	file := fs.Arg(0)
	return withCore(cfg.serveConfig, func(c *core) error {
		f, err := os.Open(file)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		a, err := export.Open(f, st.Size())
		if err != nil {
			return fmt.Errorf("import %s: %w", file, err)
		}
		p := newProgress(stderr, "imported", countAmount("readings"))
		res, err := c.exports.Import(ctx, a, export.Target{HouseholdID: cfg.Household, Progress: p.Set})
		p.Finish()
		if err != nil {
			return fmt.Errorf("import %s: %w", file, err)
		}
		if res.AlreadyImported {
			fmt.Fprintf(stdout, "export %s was imported already, on %s: nothing changed\n", res.ExportID, res.Imported.Format("2006-01-02 15:04 UTC"))
			return nil
		}
		fmt.Fprintf(stdout, "imported person %s: %d readings, %d consent ledger entries, from export %s\n",
			res.PersonID, res.Readings, res.LedgerEntries, res.ExportID)
		if res.Expired > 0 {
			fmt.Fprintf(stdout, "left out %d readings already past their retention here\n", res.Expired)
		}
		if res.Undeclared > 0 {
			fmt.Fprintf(stdout, "left out %d readings whose kind of data or fields this manifest does not declare\n", res.Undeclared)
		}
		if len(res.Dropped) > 0 {
			fmt.Fprintf(stdout, "left out settings this manifest does not declare: %s\n", strings.Join(res.Dropped, ", "))
		}
		return nil
	})
}
