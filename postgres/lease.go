package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultLeaseCheck is the default LeaseConfig.Check.
const DefaultLeaseCheck = 5 * time.Second

// leaseAppPrefix starts the application_name of a lease's connection, so
// an operator can tell it in pg_stat_activity.
const leaseAppPrefix = "hearth-lease "

// LeaseConfig configures a Lease. Name is required.
type LeaseConfig struct {
	// Name names what the lease is for; nodes taking a lease of the same
	// name on the same data database exclude each other.
	Name string
	// Check is how often a follower tries to take the lease and a leader
	// checks that it still holds it; default DefaultLeaseCheck. A leader
	// whose connection PostgreSQL closes stops at once, one whose
	// connection is cut off without a word within about two Checks (its
	// work's context is cancelled); another node then leads once PostgreSQL has
	// ended the lost connection's session and its lock.
	Check time.Duration
	// Logger logs taking and losing the lease; default discard.
	Logger *slog.Logger
}

// Lease is leadership of one job among the nodes sharing the data
// database: a session-level advisory lock (pg_try_advisory_lock) held on a
// connection of its own for as long as the node leads. When that
// connection is lost the node stops leading, and PostgreSQL releases the
// lock when it ends the session, so another node takes over. It is safe
// for one Run at a time.
type Lease struct {
	db  *DB
	cfg LeaseConfig
	key int64
}

// NewLease returns a Lease on db's data database.
func NewLease(db *DB, cfg LeaseConfig) *Lease {
	if cfg.Check <= 0 {
		cfg.Check = DefaultLeaseCheck
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Lease{db: db, cfg: cfg, key: leaseKey(cfg.Name)}
}

// leaseKey is the advisory lock key of a lease name: "Hearth" in the high
// bytes, as the migration locks, and a hash of the name below.
func leaseKey(name string) int64 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return 0x48656172<<32 | int64(h.Sum32())
}

// Run runs lead whenever this node holds the lease, until ctx ends: it
// tries to take the lease every Check; once taken it calls lead with a
// context that is cancelled when the lease is lost (or ctx ends), waits
// for lead to return, and tries again. lead should return when its
// context ends. Run returns when ctx ends and lead has returned.
func (l *Lease) Run(ctx context.Context, lead func(ctx context.Context)) {
	for {
		conn := l.take(ctx)
		if conn == nil {
			return
		}
		l.cfg.Logger.Info("scheduled jobs: leading", "lease", l.cfg.Name)
		l.hold(ctx, conn, lead)
		if ctx.Err() != nil {
			l.release(conn)
			return
		}
		conn.Close(context.Background())
		l.cfg.Logger.Warn("scheduled jobs: lease lost", "lease", l.cfg.Name)
	}
}

// take returns a connection holding the lease, trying every Check, or nil
// once ctx ends. It logs once that another node leads.
func (l *Lease) take(ctx context.Context) *pgx.Conn {
	var conn *pgx.Conn
	told := false
	for {
		if conn == nil {
			cfg := l.db.data.Config().ConnConfig.Copy()
			cfg.RuntimeParams["application_name"] = leaseAppPrefix + l.cfg.Name
			c, err := pgx.ConnectConfig(ctx, cfg)
			if err == nil {
				conn = c
			} else if ctx.Err() == nil {
				l.cfg.Logger.Warn("scheduled jobs: cannot reach the database for the lease", "lease", l.cfg.Name, "err", err)
			}
		}
		if conn != nil {
			var got bool
			err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", l.key).Scan(&got)
			if err == nil && got {
				return conn
			}
			if err == nil && !told {
				l.cfg.Logger.Info("scheduled jobs: another node leads", "lease", l.cfg.Name)
				told = true
			}
			if err != nil {
				conn.Close(context.Background())
				conn = nil
			}
		}
		select {
		case <-ctx.Done():
			if conn != nil {
				conn.Close(context.Background())
			}
			return nil
		case <-time.After(l.cfg.Check):
		}
	}
}

// hold runs lead while conn lives; it returns once lead has returned
// after the connection failed or ctx ended.
func (l *Lease) hold(ctx context.Context, conn *pgx.Conn, lead func(ctx context.Context)) {
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); lead(lctx) }()
	l.watch(lctx, conn) // returns when the connection fails or ctx ends
	cancel()
	<-done
}

// watch reads on conn until it fails or ctx ends, pinging it every Check:
// a session PostgreSQL ends (its socket closes) is noticed at once, one
// cut off without a word within about two Checks.
func (l *Lease) watch(ctx context.Context, conn *pgx.Conn) {
	for ctx.Err() == nil {
		wctx, cancel := context.WithTimeout(ctx, l.cfg.Check)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
			pctx, cancel := context.WithTimeout(ctx, l.cfg.Check)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return
			}
		case err != nil:
			return
		}
	}
}

// release unlocks and closes conn, so another node may lead at once.
func (l *Lease) release(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", l.key) // closing ends the session and its lock anyway
	conn.Close(ctx)
}

// Exclusive runs fn while holding the advisory lock of name on a
// connection it takes from the data pool for the time, waiting for another node holding it to finish:
// for work that must run on one node at a time, such as what a node does
// once when it starts. It returns fn's error, or an error if the lock
// cannot be taken.
func (db *DB) Exclusive(ctx context.Context, name string, fn func() error) error {
	conn, err := db.data.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	defer conn.Release()
	key := leaseKey(name)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, "SELECT pg_advisory_unlock($1)", key); err != nil {
			conn.Conn().Close(uctx) // the session's end releases the lock
		}
	}()
	return fn()
}
