package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hearth-iot/hearth/sqlite"
)

const backupSummary = `Writes a consistent copy of the data directory's hearth.db to --out while
the server runs: it holds every transaction committed before the backup
began, so every reading acknowledged by then. It holds no key: keys.db and
the key file are never in it, so a person erased after the backup stays
unreadable in it (their data key is gone). The file is created with mode
0600; an existing file is replaced only with --force. With --keys it backs
up keys.db instead: every data key, wrapped by the key file; keep those
backups apart from data backups and from the key file, on a shorter
rotation (see the README). Progress is shown when stderr is a terminal.`

const restoreSummary = `Puts the backup FILE in place as the data directory's hearth.db (keys.db
with --keys). It checks first that FILE is a Hearth data backup (a key store
with --keys) with a schema this build knows, not truncated, that passes
SQLite's integrity check, and refuses anything else with the problem. It
refuses while a server or any other Hearth command uses the data directory,
and replaces an existing database only with --force. Restoring data keeps
keys.db as it is, so people erased since the backup stay unreadable; start
the server with the same key file afterwards. Progress is shown when stderr
is a terminal.`

// backupConfig is the configuration of `hearth backup` and `hearth restore`.
type backupConfig struct {
	Data  string
	Out   string // backup: the file to write
	File  string // restore: the backup to restore
	Keys  bool
	Force bool
	// Store is --store, only to refuse it: backup and restore are
	// SQLite's (see refusePostgres).
	Store string
}

// backupFlags defines the flags backup and restore share.
func backupFlags(name, summary string, cfg *backupConfig, stderr io.Writer) *flag.FlagSet {
	*cfg = backupConfig{Data: defaultServeConfig().Data}
	flags := newFlagSet(name, summary, stderr)
	flags.StringVar(&cfg.Data, "data", cfg.Data, "data directory")
	flags.BoolVar(&cfg.Keys, "keys", false, "keys.db instead of hearth.db")
	flags.StringVar(&cfg.Store, "store", "", "refused: backup and restore work on SQLite's data directory; back up PostgreSQL with pg_dump (docs/deploy.md)")
	return flags
}

// refusePostgres refuses a PostgreSQL store: backup and restore copy
// SQLite's files, and PostgreSQL's databases are backed up with its own
// tools, each database apart.
func (cfg *backupConfig) refusePostgres(command string) error {
	if cfg.Store == "" {
		return nil
	}
	return usagef("%s --store: %s works on SQLite's data directory only; on PostgreSQL back up the data and key databases apart with pg_dump "+
		"(and restore with pg_restore), as docs/deploy.md says", command, command)
}

// runBackup runs `hearth backup`.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg backupConfig
	flags := backupFlags("backup", backupSummary, &cfg, stderr)
	flags.StringVar(&cfg.Out, "out", "", "backup file to write (required)")
	flags.BoolVar(&cfg.Force, "force", false, "replace --out if it exists")
	if err := parseFlags(flags, args, getenv); err != nil {
		return helpOK(err)
	}
	if err := cfg.refusePostgres("backup"); err != nil {
		return err
	}
	if cfg.Out == "" {
		return usagef("--out: give the backup file to write")
	}
	if inside, err := within(cfg.Out, cfg.Data); err == nil && inside {
		return usagef("--out %s: the backup would be inside the data directory %s; write it elsewhere", cfg.Out, cfg.Data)
	}
	name := dbName(cfg.Keys)
	p := newProgress(stderr, "backing up "+name, bytesAmount)
	size, err := sqlite.Backup(ctx, cfg.Data, cfg.Out, sqlite.BackupOptions{Keys: cfg.Keys, Force: cfg.Force, Progress: p.report})
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w; give --force to replace it", err)
	}
	if err != nil {
		return err
	}
	p.Finish()
	if err := recordInData(ctx, cfg.Data, "backup", name); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%s, mode 0600)\n", filepath.Join(cfg.Data, name), cfg.Out, bytesAmount(size))
	if cfg.Keys {
		fmt.Fprintln(stdout, "it holds every data key, wrapped by the key file: keep it apart from data backups and from the key file, and delete it on a shorter rotation than data backups")
	} else {
		fmt.Fprintln(stdout, "it holds no key: keys.db and the key file are backed up apart")
	}
	return nil
}

// runRestore runs `hearth restore [flags] FILE`.
func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg backupConfig
	flags := backupFlags("restore", restoreSummary, &cfg, stderr)
	flags.BoolVar(&cfg.Force, "force", false, "replace the data directory's database, and everything written since the backup")
	file, err := parseFlagsAndFile(flags, args, getenv)
	if err != nil {
		if err := cfg.refusePostgres("restore"); err != nil {
			return err
		}
		return helpOK(err)
	}
	if err := cfg.refusePostgres("restore"); err != nil {
		return err
	}
	name := dbName(cfg.Keys)
	p := newProgress(stderr, "restoring "+name, bytesAmount)
	version, err := sqlite.Restore(ctx, cfg.Data, file, sqlite.RestoreOptions{Keys: cfg.Keys, Force: cfg.Force, Progress: p.report})
	switch {
	case errors.Is(err, sqlite.ErrInUse):
		return fmt.Errorf("%w: stop the server (and any other hearth command on %s), then restore", err, cfg.Data)
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%w; restoring replaces it and everything written since the backup: give --force to do so", err)
	case err != nil:
		return fmt.Errorf("restore refused: %w", err)
	}
	p.Finish()
	if err := recordInData(ctx, cfg.Data, "restore", name); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s (schema version %d) from %s\n", filepath.Join(cfg.Data, name), version, file)
	if cfg.Keys {
		fmt.Fprintln(stdout, "keys.db restored: people erased after this key backup was made can be read again from data backups; erase them again")
		return nil
	}
	if _, err := os.Stat(filepath.Join(cfg.Data, sqlite.KeysFile)); err != nil {
		fmt.Fprintf(stdout, "%s has no %s: the restored readings stay unreadable until it is restored from its own backup (hearth restore --keys)\n", cfg.Data, sqlite.KeysFile)
		return nil
	}
	fmt.Fprintf(stdout, "%s kept as it was: people erased since the backup stay unreadable. Start the server with the same key file.\n", sqlite.KeysFile)
	return nil
}

// dbName returns the database backup and restore work on.
func dbName(keys bool) string {
	if keys {
		return sqlite.KeysFile
	}
	return sqlite.DataFile
}

// report is a progress callback for the sqlite package: bytes done of total.
func (p *progress) report(done, total int64) {
	p.SetTotal(total)
	p.Set(done)
}

// parseFlagsAndFile parses fs as parseFlags does, plus exactly one FILE
// argument, before or after the flags.
func parseFlagsAndFile(fs *flag.FlagSet, args []string, getenv func(string) string) (string, error) {
	if err := parseFlags(fs, nil, getenv); err != nil { // the environment only
		return "", err
	}
	var file string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", err
			}
			return "", usagef("%s: %v", fs.Name(), err)
		}
		if fs.NArg() == 0 {
			break
		}
		if file != "" {
			return "", usagef("%s: unexpected argument %q: give one backup file", fs.Name(), fs.Arg(0))
		}
		file, args = fs.Arg(0), fs.Args()[1:]
	}
	if file == "" {
		return "", usagef("%s: give the backup file to restore", fs.Name())
	}
	return file, nil
}
