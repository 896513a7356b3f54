package consent

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// Status is the state of one person's consent for one purpose.
type Status string

// The consent statuses. A purpose without any decision is StatusNotGiven:
// consent is opt-in (CONSENT-OPTIN).
const (
	StatusNotGiven  Status = "not-given"
	StatusGiven     Status = "given"
	StatusRefused   Status = "refused"
	StatusWithdrawn Status = "withdrawn"
	StatusExpired   Status = "expired"
)

// PurposeState is the current consent for one purpose, from the latest
// decision in the ledger.
type PurposeState struct {
	Status      Status    `json:"status"`
	Time        time.Time `json:"time"`                  // when the decision was recorded
	Actor       string    `json:"actor,omitempty"`       // who decided: the subject or their guardian
	Seq         int64     `json:"seq,omitempty"`         // the ledger entry of the decision
	LastRefused time.Time `json:"last_refused,omitzero"` // the latest refusal, for the cool-off
}

// statusOf maps a decision entry type to the status it leads to.
var statusOf = map[hearth.EntryType]Status{
	hearth.EntryConsentGiven:     StatusGiven,
	hearth.EntryConsentRefused:   StatusRefused,
	hearth.EntryConsentWithdrawn: StatusWithdrawn,
	hearth.EntryConsentExpired:   StatusExpired,
}

// Fold derives the consent state per purpose from one person's ledger
// entries, in ledger order: the latest decision per purpose wins; requests
// and notices change nothing. Purposes without a decision are absent (not
// given). A decision imported from another instance (consent-imported)
// counts as the decision it records, at its original time, unless a
// decision already folded is later: an old export imported again never
// brings back a consent withdrawn since.
func Fold(entries []hearth.LedgerEntry) map[string]PurposeState {
	out := map[string]PurposeState{}
	for _, raw := range entries {
		e := original(raw)
		if _, ok := statusOf[e.Type]; !ok || e.Purpose == "" {
			continue
		}
		prev, ok := out[e.Purpose]
		if ok && raw.Type == hearth.EntryConsentImported && e.Time.Before(prev.Time) {
			continue
		}
		out[e.Purpose] = apply(prev, e)
	}
	return out
}

// apply returns the state after decision entry e, given the state before.
func apply(prev PurposeState, e hearth.LedgerEntry) PurposeState {
	next := PurposeState{Status: statusOf[e.Type], Time: e.Time, Actor: e.Actor, Seq: e.Seq, LastRefused: prev.LastRefused}
	if next.Status == StatusRefused {
		next.LastRefused = e.Time
	}
	return next
}

// State returns subject's consent state per purpose: every purpose that
// relies on consent in the manifest, StatusNotGiven where no decision was
// recorded. It does not check who asks: callers authorise first.
func (s *Service) State(ctx context.Context, subject string) (map[string]PurposeState, error) {
	folded, err := s.fold(ctx, subject)
	if err != nil {
		return nil, err
	}
	out := map[string]PurposeState{}
	for _, id := range s.cfg.Policy.PurposeIDs(s.cfg.Policy.ConsentPurposes()) {
		st, ok := folded[id]
		if !ok {
			st = PurposeState{Status: StatusNotGiven}
		}
		out[id] = st
	}
	return out, nil
}

// Bits returns subject's consents as policy sees them: the purposes given,
// and those refused or withdrawn (policy.Subject's Consented and Refused).
// Purposes no longer in the manifest are left out.
func (s *Service) Bits(ctx context.Context, subject string) (consented, refused policy.Bits, err error) {
	folded, err := s.fold(ctx, subject)
	if err != nil {
		return consented, refused, err
	}
	for id, st := range folded {
		i, ok := s.cfg.Policy.PurposeIndex(id)
		if !ok {
			continue
		}
		switch st.Status {
		case StatusGiven:
			consented.Set(i)
		case StatusRefused, StatusWithdrawn:
			refused.Set(i)
		}
	}
	return consented, refused, nil
}

// fold reads and folds subject's ledger entries.
func (s *Service) fold(ctx context.Context, subject string) (map[string]PurposeState, error) {
	es, err := s.cfg.Store.LedgerEntriesFor(ctx, subject)
	if err != nil {
		return nil, fmt.Errorf("read consent ledger: %w", err)
	}
	return Fold(es), nil
}
