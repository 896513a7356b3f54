package consent

import (
	"context"

	"github.com/hearth-iot/hearth/ledger"
)

// VerifyLedger verifies the hash chain of the whole ledger the service
// records in, as `hearth ledger verify` does (ledger.Verify over
// ledger.Entries): it returns the head of an intact ledger, or a
// *ledger.Problem naming the first altered, missing or reordered entry,
// or a wrapped read error. It reads every entry, so it takes time in
// proportion to the ledger's length; it changes nothing.
func (s *Service) VerifyLedger(ctx context.Context) (ledger.Head, error) {
	return ledger.Verify(ledger.Entries(ctx, s.cfg.Store, 0))
}
