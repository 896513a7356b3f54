package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// checkpointInterval is how often the background checkpointer copies the
// write-ahead log into the database file; busyCheckpointInterval is how
// soon the next round runs while the log is long or grows fast (see
// pacer; an erasure writes it at 100 to 200 MB a second).
const (
	checkpointInterval     = time.Second
	busyCheckpointInterval = 100 * time.Millisecond
)

// restartFrames is the size of the log, in pages, from which a round of
// the background checkpointer ends with a checkpoint on the writer
// connection, so that the next commit starts the log over (64 MiB with
// 4 KiB pages; well below the writer's own threshold, walCheckpointPages).
//
// Ingestion dirtied about one page per reading (each device's page of the
// (device, message ID) index, replaced since by reading_keys, dedup.go), so
// at 10,000 readings a second the log grew by about 10,000 pages a second,
// most of them new versions of the same thousand-odd pages. A round copies only the newest version of each
// page, so the longer the log may grow between rounds, the fewer pages a
// round writes and syncs: at 4,096 pages the log reached the threshold
// every 0.4 s and the checkpointer ran every 100 ms, holding the writer for
// its last copy each time; at 16,384 rounds run every second and the
// server's CPU time per stored reading fell by about a tenth on a store of
// 5 million readings (TAIL-FINDINGS.md).
const restartFrames = 16384

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
// durable without it: each is synced in the log before it returns (but
// DeleteReadings', see there).
//
// Copying is not enough to keep the log short, though: SQLite starts the
// log over only when a write transaction begins with the whole log copied,
// and while commits arrive every few milliseconds, one nearly always lands
// during a checkpoint on a read connection. The log then grows to the writer's
// threshold, and the commit that crosses it copies the last second of
// writes and syncs the database file while holding the writer: under an
// erasure, which writes about 100 MB of log a second, that was 50 to 330 ms
// every second or so, and ingestion's p99 (BENCHMARKS.md). So once the log
// holds restartFrames pages, a round ends with a passive checkpoint on the
// writer connection: no commit can land during it, it copies only what was
// committed since the read connection's rounds, and unless a reader still
// holds an older snapshot, the next commit starts the log over.
type checkpointer struct {
	mu   sync.Mutex // held by a round; DB.Checkpoint takes it to not collide
	r, w *sql.DB
	stop context.CancelFunc
	done sync.WaitGroup
}

// startCheckpointer checkpoints the log of the database that r (read-only
// pool) and w (the writer) open, at the pace a pacer picks, until stopped.
func startCheckpointer(r, w *sql.DB) *checkpointer {
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{r: r, w: w, stop: cancel}
	c.done.Go(func() {
		t := time.NewTimer(checkpointInterval)
		defer t.Stop()
		var pace pacer
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				// A failed round changes nothing stored; the next round,
				// the writer's threshold or Close checkpoints instead.
				frames, restarted, _ := c.round(ctx)
				t.Reset(pace.next(time.Now(), frames, restarted))
			}
		}
	})
	return c
}

// round copies the log into the database file on read connections
// (passiveCheckpoint) and, if the log holds restartFrames pages or more
// and their last round left only a few pages to copy, copies the rest on
// the writer connection, so that the next commit starts the log over. It returns the size of the log in pages before, and
// whether it ended with the checkpoint on the writer.
func (c *checkpointer) round(ctx context.Context) (frames int, restarted bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	frames, quiet, err := passiveCheckpoint(ctx, c.r)
	if err != nil || frames < restartFrames || !quiet {
		return frames, false, err
	}
	var busy, logFrames, done int
	err = c.w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &done)
	return frames, err == nil, err
}

// pacer picks when the next round runs: after checkpointInterval, or after
// busyCheckpointInterval while the log holds restartFrames pages or grows
// fast enough to reach that within checkpointInterval (between two rounds a second
// apart, an erasure would take the log past the writer's own threshold).
type pacer struct {
	last   time.Time // when the last round ended
	frames int       // the log's size then, in pages; 0 after a restart
}

// next records a round that ended at now and found the log at frames
// pages, restarted if it ended with the checkpoint on the writer, and
// returns how long to wait for the next.
func (p *pacer) next(now time.Time, frames int, restarted bool) time.Duration {
	grown := frames - p.frames
	if grown < 0 { // started over meanwhile
		grown = frames
	}
	elapsed := now.Sub(p.last)
	p.last, p.frames = now, frames
	if restarted {
		p.frames = 0
	}
	if frames >= restartFrames || elapsed > 0 && float64(grown)*float64(checkpointInterval)/float64(elapsed) >= restartFrames {
		return busyCheckpointInterval
	}
	return checkpointInterval
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
