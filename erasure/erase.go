package erasure

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
)

// Result is the outcome of an erasure.
type Result struct {
	Erasure      int64        `json:"erasure"`       // the journal entry
	Readings     int64        `json:"readings"`      // readings deleted
	KeyDestroyed bool         `json:"key_destroyed"` // the data key was destroyed (everything)
	LogCleared   bool         `json:"log_cleared"`   // the store's Checkpoint succeeded (SQLite: the write-ahead logs truncated; PostgreSQL: see postgres.DB.Checkpoint)
	Notices      []NoticeView `json:"notices"`       // one per recipient told
}

// Erase erases sc of person's data in household hh (RIGHT-ERASE,
// RIGHT-UNREGISTERED): the person, a guardian for their child, or an owner
// for a profile without an account. Everything about a person includes
// their profile and their memberships: the person leaves every household
// as CloseAccount does (with its errors for a last owner or a guardian, a
// profile's included), a profile without an account is deleted, and an
// account holder's account is closed. For everything, the data key is
// destroyed first; then the rows go in batches; then the write-ahead logs
// are truncated; then each recipient that receives the data is sent a
// signed notice in the background (the erasure never waits for them).
// The actor re-authenticates with their password first, and the request
// is recorded in the rights request log (RIGHT-REQUESTS) with its outcome.
//
// With hh "" a person with an account erases their own data without a
// household (policy.MayExerciseOwnRights), whether they are still a member
// of one or not; the request is logged with HouseholdID "".
//
// Errors: ENOTFOUND when the caller is not a member of hh or the person is
// not; EFORBIDDEN when the caller may not erase their data; EINVALID for a
// bad scope;
// EFORBIDDEN (field "password") for a wrong password, ETOOMANY after too
// many. Nothing changes on error.
func (s *Service) Erase(ctx context.Context, actor, hh, person string, sc Scope, password string) (Result, error) {
	_, _, basis, err := s.authorize(ctx, actor, hh, person)
	if err != nil {
		return Result{}, err
	}
	if err := s.check(ctx, hh, person, sc); err != nil {
		return Result{}, err
	}
	if err := s.reauthenticate(ctx, actor, password); err != nil {
		return Result{}, err
	}
	var emptied []string
	if sc.Everything { // everything about a person includes their memberships, profile and account
		if emptied, err = s.cfg.Households.LeaveAll(ctx, person); err != nil {
			return Result{}, fmt.Errorf("erase: %w", err)
		}
	}
	req, err := s.openRequest(ctx, hh, actor, person, identityCheck(basis), sc.String())
	if err != nil {
		return Result{}, err
	}
	var res Result
	if sc.Everything {
		res, err = s.closeAccount(ctx, person, emptied)
	} else {
		res, err = s.erase(ctx, person, sc, false)
	}
	s.closeRequest(ctx, req, res, err)
	return res, err
}

// erase erases sc of subject's data; deletePerson deletes the person too
// (a closed account, or a profile erased entirely).
func (s *Service) erase(ctx context.Context, subject string, sc Scope, deletePerson bool) (Result, error) {
	now := s.now()
	f := filter(subject, sc)
	f.ReceivedBefore = now.Add(time.Nanosecond) // everything received up to now
	e := &hearth.Erasure{PersonID: subject, Everything: sc.Everything, Closed: deletePerson, Filter: f, At: now}
	return s.apply(ctx, e, sc)
}

// apply journals e, then erases it, then queues its notices.
func (s *Service) apply(ctx context.Context, e *hearth.Erasure, sc Scope) (Result, error) {
	if err := s.cfg.Store.RecordErasure(ctx, e); err != nil {
		return Result{}, fmt.Errorf("erase: journal: %w", err)
	}
	res, err := s.execute(ctx, e, true)
	if err != nil {
		return res, err
	}
	res.LogCleared = s.checkpoint(ctx) == nil
	if res.Notices, err = s.queueNotices(ctx, e, sc); err != nil {
		return res, err
	}
	return res, nil
}

// execute carries out a journal entry: key first, then rows. It is
// idempotent, so the journal can be re-applied. Live, it erases every
// matching reading, including any received while it runs; replayed
// (live false), only those received before the erasure.
func (s *Service) execute(ctx context.Context, e *hearth.Erasure, live bool) (Result, error) {
	res := Result{Erasure: e.Seq}
	if e.Everything {
		if err := s.cfg.Keys.Shred(ctx, e.PersonID); err != nil {
			return res, fmt.Errorf("erase: %w", err)
		}
		res.KeyDestroyed = true
	}
	f := e.Filter
	if live {
		f.ReceivedBefore = time.Time{}
	}
	n, err := s.deleteAll(ctx, f)
	res.Readings = n
	if err != nil {
		return res, err
	}
	switch {
	case e.Closed:
		err = s.deletePerson(ctx, e.PersonID)
	case e.Everything:
		err = s.cfg.Store.DeletePersonalData(ctx, e.PersonID, e.At.Add(time.Nanosecond))
	}
	if err != nil {
		return res, fmt.Errorf("erase: %w", err)
	}
	s.cfg.MembershipChanged("", e.PersonID)
	return res, nil
}

// deletePerson deletes the person with their account and memberships, and
// tells the caches of each membership ended.
func (s *Service) deletePerson(ctx context.Context, person string) error {
	hs, err := s.cfg.Store.HouseholdsOf(ctx, person)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.DeletePerson(ctx, person); err != nil {
		return err
	}
	for _, h := range hs {
		s.cfg.MembershipChanged(h.ID, person)
	}
	return nil
}

// Delete batches adapt to the store's speed: each holds the single writer,
// which ingestion's group commits share, for about Config.DeleteBatchTime,
// so a reading waits at most about that long for an erasure. After each
// batch the erasure waits as long as the batch took, so that it takes at
// most about half of the writer's time and of the disk's writes (every
// deleted page is overwritten, then copied by the checkpoints): run flat
// out, it wrote the log at 150 MB a second and ingestion's p99 rose from
// 2 ms to 35 to 230 ms; paced, to about 15 ms, and the deletion still
// takes about as long as one raw DELETE of the same rows (BENCHMARKS.md).
const (
	firstBatch = 100
	minBatch   = 20
)

// deleteAll deletes every reading f selects, in batches of at most
// Config.DeleteBatch sized to take about Config.DeleteBatchTime each,
// pausing after each batch for as long as it took.
func (s *Service) deleteAll(ctx context.Context, f hearth.ErasureFilter) (int64, error) {
	var total int64
	limit := min(firstBatch, s.cfg.DeleteBatch)
	pause := time.NewTimer(0)
	defer pause.Stop()
	<-pause.C
	for {
		start := time.Now()
		n, err := s.cfg.Store.DeleteReadings(ctx, f, limit)
		took := time.Since(start)
		total += n
		if err != nil {
			return total, fmt.Errorf("erase readings: %w", err)
		}
		if n == 0 {
			return total, nil
		}
		if n == int64(limit) && took > 0 {
			limit = int(float64(limit) * float64(s.cfg.DeleteBatchTime) / float64(took))
			limit = min(max(limit, minBatch), s.cfg.DeleteBatch)
		}
		pause.Reset(took)
		select {
		case <-ctx.Done():
			return total, fmt.Errorf("erase readings: %w", ctx.Err())
		case <-pause.C:
		}
	}
}

// Checkpoint retries: a long read can keep the log from being truncated.
const (
	checkpointTries = 20
	checkpointWait  = 100 * time.Millisecond
)

// checkpoint runs the store's Checkpoint, retrying while it is busy: on
// SQLite it truncates the write-ahead logs so no copy of deleted rows or
// keys stays in them, retrying while readers hold them; on PostgreSQL it
// vacuums the readings and flushes the log (postgres.DB.Checkpoint).
func (s *Service) checkpoint(ctx context.Context) error {
	var err error
	for range checkpointTries {
		if err = s.cfg.Store.Checkpoint(ctx); hearth.ErrorCode(err) != hearth.EUNAVAILABLE {
			break
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(checkpointWait):
		}
	}
	if err != nil {
		s.cfg.Logger.Warn("erasure: write-ahead log not truncated yet", "err", err)
	}
	return err
}
