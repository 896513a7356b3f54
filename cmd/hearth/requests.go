package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/rights"
	"github.com/hearth-iot/hearth/sqlite"
)

const requestsSummary = `Lists the open rights requests (received or in progress) of everyone,
earliest deadline first, with their type, status, scope and deadline; a
request past its deadline is marked OVERDUE. It shows IDs, never names;
"hearth requests show --id ID" prints one with the person's statement.
It is the operators' queue: run it on the server, as the operator (it reads
the data directory directly; the operator console's /operator/requests page
shows the same queue). It may run while the server runs.`

const requestsUpdateSummary = `Records an operator's progress on a rights request: --status in-progress
with an optional --outcome so far, or done or refused with the outcome in
plain text (never a personal value: the log outlives the data). The person
sees it through the API. A closed request cannot be changed.`

const requestsShowSummary = `Prints one rights request with every field and the person's statement in
their own words (for a human review: their view of the decision), opened
with their data key: it needs the key-encryption key, like the server. A
statement whose key was destroyed by an erasure shows as erased.`

// runRequests runs `hearth requests`, `hearth requests show` and `hearth
// requests update`.
func runRequests(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := defaultServeConfig()
	if len(args) > 0 && args[0] == "show" {
		return runRequestsShow(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "update" {
		var id, status, outcome string
		fs := newFlagSet("requests update", requestsUpdateSummary, stderr)
		fs.StringVar(&cfg.Data, "data", cfg.Data, "data directory holding hearth.db")
		cfg.registerStore(fs)
		fs.StringVar(&id, "id", "", "the request's ID, as hearth requests lists it")
		fs.StringVar(&status, "status", "", "in-progress, done or refused")
		fs.StringVar(&outcome, "outcome", "", "what was done, or why the request was refused")
		if err := parseFlags(fs, args[1:], getenv); err != nil {
			return helpOK(err)
		}
		if id == "" {
			return usagef("requests update: give --id")
		}
		return withRights(ctx, cfg, func(svc *rights.Service, store hearth.Store) error {
			return updateRequest(ctx, svc, store, id, hearth.RequestStatus(status), outcome, stdout)
		})
	}
	limit := 1000
	fs := newFlagSet("requests", requestsSummary, stderr)
	fs.StringVar(&cfg.Data, "data", cfg.Data, "data directory holding hearth.db")
	cfg.registerStore(fs)
	fs.IntVar(&limit, "limit", limit, "list at most this many requests")
	if err := parseFlags(fs, args, getenv); err != nil {
		return helpOK(err)
	}
	if limit <= 0 {
		return usagef("requests: --limit must be positive")
	}
	return withRights(ctx, cfg, func(svc *rights.Service, _ hearth.Store) error {
		return listRequests(ctx, svc, limit, time.Now(), stdout)
	})
}

// runRequestsShow runs `hearth requests show`.
func runRequestsShow(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := exportConfig{serveConfig: defaultServeConfig()}
	var id string
	fs := newFlagSet("requests show", requestsShowSummary, stderr)
	cfg.registerStore(fs)
	fs.StringVar(&id, "id", "", "the request's ID, as hearth requests lists it")
	if err := parseFlags(fs, args, getenv); err != nil {
		return helpOK(err)
	}
	if id == "" {
		return usagef("requests show: give --id")
	}
	return withCore(cfg.serveConfig, func(c *core) error {
		if err := showRequest(ctx, c.rights, c.store, id, stdout); err != nil {
			return err
		}
		r, err := c.store.RightsRequest(ctx, id)
		if err != nil {
			return err
		}
		return c.recordAdmin(ctx, "requests show", id, r.PersonID)
	})
}

// showRequest prints request id with its statement opened.
func showRequest(ctx context.Context, svc *rights.Service, store hearth.RightsRequestStore, id string, stdout io.Writer) error {
	r, err := store.RightsRequest(ctx, id)
	if err != nil {
		return err
	}
	statement, erased, err := svc.Statement(ctx, r)
	if err != nil {
		return err
	}
	if erased {
		statement = "(erased with the person's key)"
	}
	completed := "-"
	if !r.Completed.IsZero() {
		completed = r.Completed.UTC().Format(time.DateTime)
	}
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	for _, f := range [][2]string{
		{"id", r.ID}, {"type", string(r.Type)}, {"status", string(r.Status)}, {"scope", r.Scope},
		{"person", r.PersonID}, {"household", r.HouseholdID}, {"requested by", r.RequestedBy},
		{"identity check", string(r.IdentityCheck)}, {"received", r.Created.UTC().Format(time.DateTime)},
		{"deadline", r.Deadline.UTC().Format(time.DateTime)}, {"completed", completed}, {"outcome", r.Outcome},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", f[0], f[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if statement != "" {
		fmt.Fprintf(stdout, "statement:\n%s\n", statement)
	}
	return nil
}

// withRights opens the store cfg names, which must exist, and runs fn with
// a rights service on it.
func withRights(ctx context.Context, cfg serveConfig, fn func(*rights.Service, hearth.Store) error) error {
	store, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	svc, err := rights.NewService(rights.Config{Store: store, Auth: auth.NewService(auth.Config{Store: store})})
	if err != nil {
		return err
	}
	return fn(svc, store)
}

// openExisting opens the store cfg names: the PostgreSQL databases of
// --store, or the data directory, which must hold a hearth.db: an operator
// command never creates an empty one by mistake.
func openExisting(ctx context.Context, cfg serveConfig) (hearth.Store, error) {
	if cfg.postgresStore() {
		if err := cfg.checkStore(); err != nil {
			return nil, err
		}
		db, _, err := cfg.openStore(ctx)
		return db, err
	}
	dir := cfg.Data
	if _, err := os.Stat(filepath.Join(dir, sqlite.DataFile)); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no %s in data directory %s", sqlite.DataFile, dir)
	}
	store, err := sqlite.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return store, nil
}

// listRequests prints the open requests, earliest deadline first.
func listRequests(ctx context.Context, svc *rights.Service, limit int, now time.Time, stdout io.Writer) error {
	rs, err := svc.Queue(ctx, limit)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		fmt.Fprintln(stdout, "no open rights requests")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "DEADLINE\tDUE\tTYPE\tSTATUS\tID\tPERSON\tHOUSEHOLD\tSCOPE\tRECEIVED")
	for _, r := range rs {
		due := "in " + days(r.Deadline.Sub(now))
		if now.After(r.Deadline) {
			due = "OVERDUE"
		}
		scope := r.Scope
		if scope == "" {
			scope = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Deadline.UTC().Format(time.DateTime), due, r.Type, r.Status,
			r.ID, r.PersonID, r.HouseholdID, scope, r.Created.UTC().Format(time.DateTime))
	}
	return tw.Flush()
}

// days renders a duration as whole days, or hours under a day.
func days(d time.Duration) string {
	if d < 24*time.Hour {
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// updateRequest records an operator's progress on request id.
func updateRequest(ctx context.Context, svc *rights.Service, store hearth.AuditStore, id string, status hearth.RequestStatus, outcome string, stdout io.Writer) error {
	switch status {
	case hearth.StatusInProgress, hearth.StatusDone, hearth.StatusRefused:
	default:
		return usagef("requests update: --status must be in-progress, done or refused")
	}
	r, err := svc.Progress(ctx, id, status, outcome)
	if err != nil {
		return err
	}
	if err := recordIn(ctx, store, "requests update", r.ID, r.PersonID); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "request %s: %s\n", r.ID, r.Status)
	return nil
}
