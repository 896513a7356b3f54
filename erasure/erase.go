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
	LogCleared   bool         `json:"log_cleared"`   // the write-ahead logs were checkpointed and truncated
	Notices      []NoticeView `json:"notices"`       // one per recipient told
}

// Erase erases sc of person's data in household hh (RIGHT-ERASE,
// RIGHT-UNREGISTERED): the person, a guardian for their child, or an owner
// for a profile without an account. For everything, the data key is
// destroyed first; then the rows go in batches; then the write-ahead logs
// are truncated; then each recipient that receives the data is sent a
// signed notice in the background (the erasure never waits for them).
// The request is logged with Config.Requests.
//
// Errors: ENOTFOUND when the caller is not a member of hh, the person is
// not, or the caller may not erase their data; EINVALID for a bad scope.
func (s *Service) Erase(ctx context.Context, actor, hh, person string, sc Scope) (Result, error) {
	_, p, basis, err := s.authorize(ctx, actor, hh, person)
	if err != nil {
		return Result{}, err
	}
	if err := s.check(ctx, hh, sc); err != nil {
		return Result{}, err
	}
	req, err := s.openRequest(ctx, "erasure", actor, person, basis.String())
	if err != nil {
		return Result{}, err
	}
	res, err := s.erase(ctx, person, sc, sc.Everything && p.AccountID == "")
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
	s.cfg.Ended(e.PersonID)
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
		err = s.cfg.Store.DeletePerson(ctx, e.PersonID)
	case e.Everything:
		err = s.cfg.Store.DeletePersonalData(ctx, e.PersonID, e.At.Add(time.Nanosecond))
	}
	if err != nil {
		return res, fmt.Errorf("erase: %w", err)
	}
	return res, nil
}

// deleteAll deletes every reading f selects, DeleteBatch at a time.
func (s *Service) deleteAll(ctx context.Context, f hearth.ErasureFilter) (int64, error) {
	var total int64
	for {
		n, err := s.cfg.Store.DeleteReadings(ctx, f, DeleteBatch)
		total += n
		if err != nil {
			return total, fmt.Errorf("erase readings: %w", err)
		}
		if n == 0 {
			return total, nil
		}
	}
}

// Checkpoint retries: a long read can keep the log from being truncated.
const (
	checkpointTries = 20
	checkpointWait  = 100 * time.Millisecond
)

// checkpoint truncates the write-ahead logs so no copy of deleted rows or
// keys stays in them, retrying while readers hold them.
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

// openRequest logs a rights request, if a log is configured.
func (s *Service) openRequest(ctx context.Context, kind, actor, subject, check string) (string, error) {
	if s.cfg.Requests == nil {
		return "", nil
	}
	id, err := s.cfg.Requests.Open(ctx, kind, actor, subject, check)
	if err != nil {
		return "", fmt.Errorf("log %s request: %w", kind, err)
	}
	return id, nil
}

// closeRequest records a request's outcome; a failure to record it is
// logged, as the erasure itself is done.
func (s *Service) closeRequest(ctx context.Context, id string, res Result, err error) {
	if s.cfg.Requests == nil {
		return
	}
	outcome := fmt.Sprintf("erased: %d readings; key destroyed: %t; recipients told: %d", res.Readings, res.KeyDestroyed, len(res.Notices))
	if err != nil {
		outcome = "failed: " + hearth.ErrorMessage(err)
	}
	if cerr := s.cfg.Requests.Close(ctx, id, outcome); cerr != nil {
		s.cfg.Logger.Error("erasure: record request outcome", "request", id, "err", cerr)
	}
}
