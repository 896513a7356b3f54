package main

import (
	"context"
	"sync"
	"time"

	"github.com/hearth-iot/hearth/erasure"
	"github.com/hearth-iot/hearth/postgres"
)

// jobsLease names the lease the scheduled jobs run under on PostgreSQL.
const jobsLease = "scheduled-jobs"

// startJobs starts the scheduled jobs that must run once across the nodes
// of one store: the retention scheduler (at once, then hourly), the
// recipients' erasure notice sender, the device log's pruning, the
// firmware support-period pass and the deletion of expired OAuth records. On SQLite (one node) they run here; on
// PostgreSQL they run on the node holding the jobs' lease
// (postgres.Lease), and another node takes them over within a few seconds
// of that node stopping or losing its database connection.
func (s *server) startJobs() {
	bg, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if s.pg == nil {
			s.runJobs(bg)
			return
		}
		postgres.NewLease(s.pg, postgres.LeaseConfig{Name: jobsLease, Logger: s.log}).Run(bg, s.runJobs)
	}()
	s.stopJobs = func() { cancel(); <-done }
}

// runJobs runs every scheduled job until ctx ends.
func (s *server) runJobs(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.erasure.RunRetention(ctx, erasure.RetentionInterval) })
	wg.Go(func() { s.erasure.RunSender(ctx, noticeInterval) })
	wg.Go(func() { s.pruneDeviceLog(ctx) })
	wg.Go(func() { s.runSupport(ctx) })
	wg.Go(func() { s.pruneOAuth(ctx) })
	wg.Wait()
}

// exclusive runs fn on one node at a time (postgres.DB.Exclusive), or
// simply runs it on SQLite.
func (s *server) exclusive(ctx context.Context, name string, fn func() error) error {
	if s.pg == nil {
		return fn()
	}
	return s.pg.Exclusive(ctx, name, fn)
}

// every runs fn at once, then every interval, until ctx ends.
func every(ctx context.Context, interval time.Duration, fn func()) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		fn()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
