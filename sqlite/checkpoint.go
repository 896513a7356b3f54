package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// checkpointInterval is how often the background checkpointer copies the
// write-ahead log into the database file.
const checkpointInterval = time.Second

// checkpointer runs passive WAL checkpoints on a read connection in the
// background, so that copying the log into the database file and syncing
// it never holds up the writer: with SQLite's automatic checkpoint, the
// commit that crosses the threshold does that copy itself, and every
// reading queued behind it waits (at 10,000 readings/s that commit was the
// p99 of acknowledgement latency). The writer keeps a large automatic
// checkpoint threshold as a bound on the log if this one falls behind.
//
// A passive checkpoint takes no lock that writers or readers wait for; it
// copies what it can and leaves the rest for the next round. Commits stay
// durable without it: each is synced in the log before it returns.
type checkpointer struct {
	mu   sync.Mutex // held by a round; DB.Checkpoint takes it to not collide
	stop context.CancelFunc
	done sync.WaitGroup
}

// startCheckpointer checkpoints db's log every checkpointInterval until
// stopped. db must be a connection pool to the database to checkpoint.
func startCheckpointer(db *sql.DB) *checkpointer {
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{stop: cancel}
	c.done.Go(func() {
		t := time.NewTicker(checkpointInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				// A failed round changes nothing stored; the next round,
				// the writer's threshold or Close checkpoints instead.
				c.mu.Lock()
				_, _ = db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
				c.mu.Unlock()
			}
		}
	})
	return c
}

// close stops the checkpointer and waits for a round in progress to end.
// It is safe on a nil checkpointer.
func (c *checkpointer) close() {
	if c == nil {
		return
	}
	c.stop()
	c.done.Wait()
}
