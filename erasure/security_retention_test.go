package erasure_test

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// TestRetentionPassErasesOldRefusals: the records of refused second
// factors are erased by the retention pass once older than
// policy.SecurityRecordRetention; newer ones stay (SEC-MONITOR, SEC-MFA).
func TestRetentionPassErasesOldRefusals(t *testing.T) {
	e := newEnv(t, nil)
	a := e.user("rita")
	record := func() {
		must(t, "RecordSecondFactorRefusal", e.store.RecordSecondFactorRefusal(e.ctx(), &hearth.SecondFactorRefusal{
			AccountID: a.ID, Method: hearth.FactorTOTP, Reason: "replayed", At: e.clock.Now()}))
	}
	left := func() int {
		rs, err := e.store.SecondFactorRefusals(e.ctx(), a.ID, 0)
		must(t, "SecondFactorRefusals", err)
		return len(rs)
	}
	record()
	e.clock.Advance(policy.SecurityRecordRetention - 2*time.Hour)
	record()
	_, err := e.svc.RetentionPass(e.ctx())
	must(t, "RetentionPass", err)
	if n := left(); n != 2 {
		t.Fatalf("%d refusals after a pass within the retention, want 2", n)
	}
	e.clock.Advance(3 * time.Hour)
	_, err = e.svc.RetentionPass(e.ctx())
	must(t, "RetentionPass", err)
	if n := left(); n != 1 {
		t.Errorf("%d refusals after the first passed its retention, want 1", n)
	}
}
