package consent

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
)

// Decision is one consent decision in a person's history: who made it
// (the person or their guardian), for which purpose, how, when and with
// which notice version (CONSENT-LEDGER).
type Decision struct {
	Purpose       string        `json:"purpose"`
	Status        Status        `json:"status"` // the state the decision led to: given, refused, withdrawn or expired
	Time          time.Time     `json:"time"`
	Actor         string        `json:"actor,omitempty"` // a person ID
	Method        hearth.Method `json:"method,omitempty"`
	NoticeVersion string        `json:"notice_version,omitempty"`
	Explicit      bool          `json:"explicit"`           // the explicit statement was recorded with it
	Imported      bool          `json:"imported,omitempty"` // brought from another instance (RIGHT-PORT)
	Seq           int64         `json:"seq"`                // the ledger entry that records it
}

// History returns every consent decision about subject, oldest first, as
// the ledger records them: given, refused, withdrawn and expired, with an
// imported decision at its original time. Requests and notices shown are
// left out. It does not check who asks: callers authorise first.
func (s *Service) History(ctx context.Context, subject string) ([]Decision, error) {
	es, err := s.cfg.Store.LedgerEntriesFor(ctx, subject)
	if err != nil {
		return nil, fmt.Errorf("read consent ledger: %w", err)
	}
	out := []Decision{}
	for _, raw := range es {
		e := original(raw)
		st, ok := statusOf[e.Type]
		if !ok || e.Purpose == "" {
			continue
		}
		out = append(out, Decision{Purpose: e.Purpose, Status: st, Time: e.Time, Actor: e.Actor, Method: e.Method,
			NoticeVersion: e.NoticeVersion, Explicit: e.Statement != "", Imported: raw.Type == hearth.EntryConsentImported, Seq: raw.Seq})
	}
	return out, nil
}
