package erasure

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
)

// Retries of erasure notices: the n-th failed attempt waits
// min(RetryBase<<(n-1), RetryMax) before the next; after MaxAttempts the
// notice is failed and the operator must follow it up (about 62 hours
// after the first attempt).
const (
	RetryBase   = 30 * time.Second
	RetryMax    = 6 * time.Hour
	MaxAttempts = 20
	// notifyTimeout bounds one delivery attempt.
	notifyTimeout = 15 * time.Second
	dueBatch      = 100
)

// NoticeView is an erasure notice as shown to the person: to whom, about
// what, and how its delivery stands.
type NoticeView struct {
	ID          string             `json:"id"`
	Erasure     int64              `json:"erasure"`
	RecipientID string             `json:"recipient_id"`
	Everything  bool               `json:"everything"`
	Categories  []string           `json:"categories"`
	State       hearth.NoticeState `json:"state"`
	Attempts    int                `json:"attempts"`
	NextAttempt time.Time          `json:"next_attempt,omitzero"` // while pending
	LastError   string             `json:"last_error,omitempty"`
	Created     time.Time          `json:"created"`
	Delivered   time.Time          `json:"delivered,omitzero"`
}

func noticeView(n hearth.ErasureNotice) NoticeView {
	v := NoticeView{ID: n.ID, Erasure: n.ErasureSeq, RecipientID: n.RecipientID, Everything: n.Everything,
		Categories: n.Categories, State: n.State, Attempts: n.Attempts, LastError: n.LastError,
		Created: n.Created, Delivered: n.Delivered}
	if n.State == hearth.NoticePending {
		v.NextAttempt = n.NextAttempt
	}
	if v.Categories == nil {
		v.Categories = []string{}
	}
	return v
}

// queueNotices stores a notice for each recipient that receives erased
// data and wakes the sender.
func (s *Service) queueNotices(ctx context.Context, e *hearth.Erasure, sc Scope) ([]NoticeView, error) {
	rs := s.recipients(sc)
	ns := make([]hearth.ErasureNotice, 0, len(rs))
	for _, r := range rs {
		n := hearth.ErasureNotice{ID: hearth.NewID("en_"), ErasureSeq: e.Seq, PersonID: e.PersonID, RecipientID: r.ID,
			Everything: e.Everything, Categories: r.Categories, From: sc.From, To: sc.To, Created: e.At,
			State: hearth.NoticePending, NextAttempt: e.At}
		if !r.Configured {
			n.State = hearth.NoticeUnconfigured
		}
		ns = append(ns, n)
	}
	views := make([]NoticeView, 0, len(ns))
	if len(ns) == 0 {
		return views, nil
	}
	if err := s.cfg.Store.AddErasureNotices(ctx, ns); err != nil {
		return nil, fmt.Errorf("queue erasure notices: %w", err)
	}
	for _, n := range ns {
		views = append(views, noticeView(n))
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return views, nil
}

// Notices lists the erasure notices sent about person, newest first, with
// their delivery state. Errors as for Erase.
func (s *Service) Notices(ctx context.Context, actor, hh, person string) ([]NoticeView, error) {
	if _, _, _, err := s.authorize(ctx, actor, hh, person); err != nil {
		return nil, err
	}
	ns, err := s.cfg.Store.ErasureNotices(ctx, person)
	if err != nil {
		return nil, fmt.Errorf("list erasure notices: %w", err)
	}
	out := make([]NoticeView, 0, len(ns))
	for _, n := range ns {
		out = append(out, noticeView(n))
	}
	return out, nil
}

// Deliver makes one delivery attempt for every pending notice that is due
// at the clock's now, and records each outcome: delivered, or pending with
// the next attempt after a backoff, or failed after MaxAttempts. It returns
// how many it delivered.
func (s *Service) Deliver(ctx context.Context) (int, error) {
	delivered := 0
	for {
		due, err := s.cfg.Store.DueErasureNotices(ctx, s.now(), dueBatch)
		if err != nil {
			return delivered, fmt.Errorf("deliver erasure notices: %w", err)
		}
		for i := range due {
			ok, err := s.deliver(ctx, &due[i])
			if err != nil {
				return delivered, err
			}
			if ok {
				delivered++
			}
		}
		if len(due) < dueBatch {
			return delivered, nil
		}
	}
}

// deliver makes one attempt for n and stores the outcome.
func (s *Service) deliver(ctx context.Context, n *hearth.ErasureNotice) (bool, error) {
	actx, cancel := context.WithTimeout(ctx, notifyTimeout)
	err := s.notifier.Notify(actx, *n)
	cancel()
	now := s.now()
	n.Attempts++
	switch {
	case err == nil:
		n.State, n.Delivered, n.LastError = hearth.NoticeDelivered, now, ""
	case n.Attempts >= MaxAttempts:
		n.State, n.LastError = hearth.NoticeFailed, err.Error()
	default:
		n.LastError = err.Error()
		n.NextAttempt = now.Add(backoff(n.Attempts))
	}
	if uerr := s.cfg.Store.UpdateErasureNotice(ctx, n); uerr != nil {
		return false, fmt.Errorf("record erasure notice delivery: %w", uerr)
	}
	if err != nil {
		s.cfg.Logger.Warn("erasure notice not delivered", "notice", n.ID, "recipient", n.RecipientID, "attempt", n.Attempts, "err", err)
	}
	return err == nil, nil
}

// backoff returns the wait after the n-th failed attempt.
func backoff(n int) time.Duration {
	if n > 20 {
		return RetryMax
	}
	return min(RetryBase<<(n-1), RetryMax)
}

// RunSender delivers due notices at once, whenever an erasure queues new
// ones, and every interval, until ctx ends. Errors are logged.
func (s *Service) RunSender(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Deliver(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("erasure: deliver notices", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}
