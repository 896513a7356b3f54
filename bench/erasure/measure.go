package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/erasure"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/household"
	"github.com/hearth-iot/hearth/ingest"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/seal"
	"github.com/hearth-iot/hearth/sealstore"
	"github.com/hearth-iot/hearth/sqlite"
)

// rawResult is the raw DELETE's timing.
type rawResult struct {
	Rows       int64
	Delete     time.Duration
	Checkpoint time.Duration
}

// rawDelete deletes person A's readings with one SQL statement on a copy,
// on a connection with the pragmas Hearth's writer has (WAL,
// synchronous=FULL, secure_delete=ON, a 16 MiB page cache).
func rawDelete(ctx context.Context, c config, m meta) (rawResult, error) {
	dir := filepath.Join(c.Scratch, "raw")
	if _, err := copyStore(c, dir); err != nil {
		return rawResult{}, err
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.DataFile)+
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=secure_delete(ON)&_pragma=cache_size(-16384)&_pragma=busy_timeout(5000)")
	if err != nil {
		return rawResult{}, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var r rawResult
	start := time.Now()
	res, err := db.ExecContext(ctx, "DELETE FROM readings WHERE person_id = ?", m.Person)
	if err != nil {
		return r, err
	}
	r.Delete = time.Since(start)
	if r.Rows, err = res.RowsAffected(); err != nil {
		return r, err
	}
	start = time.Now()
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return r, err
	}
	r.Checkpoint = time.Since(start)
	return r, nil
}

// eraseResult is the erasure's timing and the ingestion latencies.
type eraseResult struct {
	Shred, Delete, Checkpoint, Total time.Duration
	Batches                          int
	Before, During                   latencies
}

// timedKeys times Shred.
type timedKeys struct {
	*seal.Keyring
	took time.Duration
}

func (k *timedKeys) Shred(ctx context.Context, subject string) error {
	start := time.Now()
	err := k.Keyring.Shred(ctx, subject)
	k.took += time.Since(start)
	return err
}

// timedStore times the erasure's deletes and checkpoints. The deletion is
// timed from the start of its first batch to the end of its last, pauses
// between batches included.
type timedStore struct {
	hearth.Store
	first, last time.Time
	checkpoint  time.Duration
	batches     int
}

func (s *timedStore) DeleteReadings(ctx context.Context, f hearth.ErasureFilter, limit int) (int64, error) {
	start := time.Now()
	if s.first.IsZero() {
		s.first = start
	}
	n, err := s.Store.DeleteReadings(ctx, f, limit)
	s.last = time.Now()
	if n > 0 {
		s.batches++
	}
	return n, err
}

func (s *timedStore) Checkpoint(ctx context.Context) error {
	start := time.Now()
	err := s.Store.Checkpoint(ctx)
	s.checkpoint += time.Since(start)
	return err
}

// warmUp is how long the load runs before the baseline is measured.
const warmUp = 5 * time.Second

// passwordOK is the re-authentication of the benchmark's owner, who has no
// real password.
type passwordOK struct{}

func (passwordOK) Reauthenticate(context.Context, string, string) error { return nil }

// erase erases person A on a fresh copy, as the household's owner (A is a
// profile without an account), while readings are ingested at c.Rate
// through the real ingestion service and its group-commit writer.
func erase(ctx context.Context, c config, m meta, log io.Writer) (eraseResult, error) {
	dir := filepath.Join(c.Scratch, "svc")
	kekFile, err := copyStore(c, dir)
	if err != nil {
		return eraseResult{}, err
	}
	defer os.RemoveAll(dir)
	db, err := sqlite.Open(dir)
	if err != nil {
		return eraseResult{}, err
	}
	defer db.Close()
	kek, err := seal.LoadOrCreateKEK(kekFile)
	if err != nil {
		return eraseResult{}, err
	}
	keys := &timedKeys{Keyring: seal.NewKeyring(kek, db)}
	store := &timedStore{Store: sealstore.New(db, keys.Keyring)}
	man, err := manifest.Parse(examples.ThermostatName, bytes.Clone(examples.Thermostat))
	if err != nil {
		return eraseResult{}, err
	}
	owner, err := ownerOf(ctx, store, m.Household)
	if err != nil {
		return eraseResult{}, err
	}
	hh := household.NewService(household.Config{Store: store, Manifest: man, Opener: keys.Keyring})
	svc, err := erasure.NewService(erasure.Config{Store: store, Keys: keys, Auth: passwordOK{}, Households: hh, Manifest: man,
		DeleteBatch: c.Batch, DeleteBatchTime: c.BatchTime})
	if err != nil {
		return eraseResult{}, err
	}
	ing := ingest.New(ingest.Config{Store: store, Keys: keys.Keyring, Manifest: man})
	ing.Start()
	defer ing.Close(context.Background())
	dev, err := store.Device(ctx, m.Device)
	if err != nil {
		return eraseResult{}, err
	}
	load := startLoad(ctx, ing, dev, c.Rate)
	time.Sleep(warmUp) // the first readings warm the caches: not counted
	load.take()
	time.Sleep(c.Baseline)
	var res eraseResult
	res.Before = load.take()
	fmt.Fprintf(log, "baseline: %d readings ingested; erasing...\n", len(res.Before))
	start := time.Now()
	out, err := svc.Erase(ctx, owner, m.Household, m.Person, erasure.Scope{Everything: true}, "")
	res.Total = time.Since(start)
	res.During = load.take()
	load.stop()
	if err != nil {
		return res, err
	}
	if out.Readings != int64(m.PersonRows) {
		return res, fmt.Errorf("the erasure deleted %d readings, want %d", out.Readings, m.PersonRows)
	}
	if load.failed.Load() > 0 {
		return res, fmt.Errorf("%d readings failed to ingest", load.failed.Load())
	}
	res.Shred, res.Delete, res.Checkpoint, res.Batches = keys.took, store.last.Sub(store.first), store.checkpoint, store.batches
	return res, nil
}

// ownerOf returns the owner of the household.
func ownerOf(ctx context.Context, s hearth.Store, hh string) (string, error) {
	ms, err := s.Members(ctx, hh)
	if err != nil {
		return "", err
	}
	for _, mb := range ms {
		if mb.Role == hearth.RoleOwner {
			return mb.PersonID, nil
		}
	}
	return "", fmt.Errorf("household %s has no owner", hh)
}

// latencies are ingestion latencies.
type latencies []time.Duration

// pct returns the p-th percentile (100: the maximum).
func (l latencies) pct(p int) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}

// load ingests readings at a fixed rate (open loop: a reading starts on
// every tick whether or not the previous ones are done) and records each
// one's latency, from the tick it was due.
type load struct {
	mu     sync.Mutex
	got    latencies
	failed atomic.Int64
	done   chan struct{}
	wg     sync.WaitGroup
}

func startLoad(ctx context.Context, ing *ingest.Service, dev *hearth.Device, rate int) *load {
	l := &load{done: make(chan struct{})}
	if rate <= 0 {
		return l
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		t := time.NewTicker(time.Second / time.Duration(rate))
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-l.done:
				return
			case due := <-t.C:
				l.wg.Add(1)
				go func() {
					defer l.wg.Done()
					p := fmt.Appendf(nil, `{"id":"erase-bench-%d","time":%q,"category":"room-temperature","values":{"celsius":20.5}}`,
						i, time.Now().UTC().Format(time.RFC3339))
					if _, err := ing.Ingest(ctx, dev, "bench", p); err != nil {
						l.failed.Add(1)
						return
					}
					l.mu.Lock()
					l.got = append(l.got, time.Since(due))
					l.mu.Unlock()
				}()
			}
		}
	}()
	return l
}

// take returns the latencies recorded since the last take.
func (l *load) take() latencies {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.got
	l.got = nil
	return out
}

func (l *load) stop() { close(l.done); l.wg.Wait() }
