package main

import (
	"context"
	"fmt"
	"io"

	"github.com/hearth-iot/hearth/ledger"
)

const ledgerVerifySummary = `Verifies the hash chain of the consent ledger in the data directory: every
entry's hash must match its fields and link to the entry before it, with no
gaps. It prints "ledger intact: N entries" and the head hash (keep it
elsewhere to detect a cut-off end later) and exits 0, or names the first
altered, missing or reordered entry and exits 1. It only reads the ledger;
it may run while the server runs.`

// runLedger runs `hearth ledger SUBCOMMAND`.
func runLedger(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return usagef("ledger: give a subcommand: verify")
	}
	cfg := defaultServeConfig()
	fs := newFlagSet("ledger verify", ledgerVerifySummary, stderr)
	fs.StringVar(&cfg.Data, "data", cfg.Data, "data directory holding hearth.db")
	cfg.registerStore(fs)
	if err := parseFlags(fs, args[1:], getenv); err != nil {
		return helpOK(err)
	}
	return verifyLedger(ctx, cfg, stdout)
}

// verifyLedger opens the store cfg names, which must exist, and verifies
// its ledger.
func verifyLedger(ctx context.Context, cfg serveConfig, stdout io.Writer) error {
	store, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	head, err := ledger.Verify(ledger.Entries(ctx, store, 0))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ledger intact: %d entries\nhead: %x\n", head.Seq, head.Hash)
	return nil
}
