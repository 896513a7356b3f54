package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/audit"
	"github.com/hearth-iot/hearth/firmware"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/sqlite"
)

const auditVerifySummary = `Verifies the hash chain of the audit log (every access to personal data and
every administrative action) in the store: every entry's hash must match its
fields and link to the entry before it, with no gaps. It prints "audit log
intact: N entries", the head, and the head's anchor: a JSON line with the
head's sequence number, hash and time, signed with --sign-key if given.
Keep anchors outside the database (--append-anchor FILE adds the line to
FILE): --anchor FILE later checks that the chain still holds every anchored
head of FILE unchanged, which the chain alone cannot show (entries cut off
its end, or the whole log rewritten); with --anchor-keys only anchors signed
by one of those keys are believed. It exits 0 when all holds, and 1 naming
the first altered, missing or reordered entry, or the anchor no longer
held. It only reads the store; it may run while the server runs.`

// runAudit runs `hearth audit SUBCOMMAND`.
func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return usagef("audit: give a subcommand: verify")
	}
	cfg := defaultServeConfig()
	var signKey, anchorFile, anchorKeys, appendTo string
	fs := newFlagSet("audit verify", auditVerifySummary, stderr)
	fs.StringVar(&cfg.Data, "data", cfg.Data, "data directory holding hearth.db")
	cfg.registerStore(fs)
	fs.StringVar(&signKey, "sign-key", "", "Ed25519 private key (PEM, PKCS #8, as hearth firmware keygen writes) to sign the printed anchor with")
	fs.StringVar(&anchorFile, "anchor", "", "anchor file to check the chain against: one anchor (JSON) per line")
	fs.StringVar(&anchorKeys, "anchor-keys", "", "PEM file of Ed25519 public keys: every anchor checked must be signed by one of them")
	fs.StringVar(&appendTo, "append-anchor", "", "append the head's anchor to this file (created if needed)")
	if err := parseFlags(fs, args[1:], getenv); err != nil {
		return helpOK(err)
	}
	var priv ed25519.PrivateKey
	if signKey != "" {
		b, err := os.ReadFile(signKey)
		if err != nil {
			return fmt.Errorf("--sign-key: %w", err)
		}
		if priv, err = firmware.ParsePrivateKey(b); err != nil {
			return fmt.Errorf("--sign-key %s: %w", signKey, err)
		}
	}
	var trusted []ed25519.PublicKey
	if anchorKeys != "" {
		if anchorFile == "" {
			return usagef("audit verify: --anchor-keys needs --anchor")
		}
		var err error
		if trusted, err = readTrustedKeys(anchorKeys); err != nil {
			return err
		}
	}
	store, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	head, err := audit.Verify(ctx, store.AuditLog())
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries\nhead: %x\n", head.Seq, head.Hash)
	if anchorFile != "" {
		n, err := checkAnchorFile(ctx, store.AuditLog(), anchorFile, ledger.Audit, trusted)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "anchors held: %d of %s\n", n, anchorFile)
	}
	a := audit.NewAnchor(ledger.Audit, head)
	if priv != nil {
		a.Sign(priv)
	}
	fmt.Fprintf(stdout, "anchor: %s", a.Line())
	if appendTo != "" {
		if err := audit.AppendAnchor(appendTo, a); err != nil {
			return err
		}
	}
	return nil
}

// checkAnchorFile checks every anchor of chain format f in the file at
// path against store; with trusted keys, each must be signed by one. It
// returns how many it checked.
func checkAnchorFile(ctx context.Context, store hearth.LedgerStore, path string, f ledger.Format, trusted []ed25519.PublicKey) (int, error) {
	file, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("--anchor: %w", err)
	}
	defer file.Close()
	as, err := audit.ParseAnchors(file)
	if err != nil {
		return 0, fmt.Errorf("--anchor %s: %w", path, err)
	}
	n := 0
	for _, a := range as {
		if a.Format != f.Tag() {
			continue
		}
		if trusted != nil {
			if err := a.VerifySignature(trusted); err != nil {
				return n, fmt.Errorf("--anchor %s: %w", path, err)
			}
		}
		if err := audit.CheckAnchor(ctx, store, a); err != nil {
			return n, fmt.Errorf("anchor check (%s): %w", path, err)
		}
		n++
	}
	if n == 0 {
		return 0, fmt.Errorf("--anchor %s: no anchor of this chain (%s) in it", path, f.Tag())
	}
	return n, nil
}

// cliActor is the Actor of an administrative action taken at the command
// line: whoever can run hearth with the store's credentials, an operator.
const cliActor = "cli"

// recordAdmin records an operator command in the audit log (AUDIT): its
// name, the ID it acted on and the person concerned, if any. The command
// has done its work by then; if the record cannot be stored, the command
// fails saying so, so that no administrative action goes unrecorded
// silently.
func (c *core) recordAdmin(ctx context.Context, command, target, person string) error {
	return recordCLI(ctx, c.audit, command, target, person)
}

// recordCLI records an operator command with l; see core.recordAdmin.
func recordCLI(ctx context.Context, l *audit.Logger, command, target, person string) error {
	err := l.Record(ctx, hearth.LedgerEntry{Type: audit.Admin, Person: person, Actor: cliActor, Method: ledger.MethodCLI,
		Details: audit.Details{ActorKind: audit.Operator, Action: command, Target: target}.JSON()})
	if err != nil {
		return fmt.Errorf("%s was done but could not be recorded in the audit log: %w", command, err)
	}
	return nil
}

// recordIn records an operator command in the audit log of store, for a
// command without a core; see core.recordAdmin.
func recordIn(ctx context.Context, store hearth.AuditStore, command, target, person string) error {
	l := audit.New(audit.Config{Store: store.AuditLog()})
	defer l.Close(context.WithoutCancel(ctx))
	return recordCLI(ctx, l, command, target, person)
}

// recordInData records an operator command in the audit log of the SQLite
// store in dir (backup and restore, which work on the files), when dir
// holds one.
func recordInData(ctx context.Context, dir, command, target string) error {
	if _, err := os.Stat(filepath.Join(dir, sqlite.DataFile)); err != nil {
		return nil // a keys-only directory: no audit log to write to
	}
	db, err := sqlite.Open(dir)
	if err != nil {
		return fmt.Errorf("%s was done but could not be recorded in the audit log: %w", command, err)
	}
	defer db.Close()
	return recordIn(ctx, db, command, target, "")
}
