package lifecycle_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/lifecycle"
)

// TestLog: an owner reads the device log of their household's time with
// the device, and whether a transfer code waits; the new owner after a
// transfer sees none of the previous household's entries, and the
// previous owner no longer finds the device (OWN-CLEAN, SEC-AUTHZ).
func TestLog(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice, hhA := e.owner("Alice")
	bob, hhB := e.owner("Bob")
	dev := e.device(alice, hhA)
	set := func(t time.Time) { e.mu.Lock(); e.now = t; e.mu.Unlock() }
	set(time.Now().UTC().Add(time.Minute)) // after the claim, which the household service times with the real clock

	actions := func(who string) ([]string, time.Time) {
		t.Helper()
		l, err := e.svc.Log(ctx, who, dev)
		if err != nil {
			t.Fatalf("Log: %v", err)
		}
		var out []string
		for _, en := range l.Entries {
			out = append(out, en.Action+"/"+en.Outcome)
		}
		return out, l.TransferUntil
	}
	steps := []struct {
		name      string
		do        func() error
		who       string
		want      []string
		transfers bool // a transfer code waits
	}{
		{"nothing yet", func() error { return nil }, alice, nil, false},
		{"started", func() error {
			_, err := e.svc.StartTransfer(ctx, alice, dev, lifecycle.KeepReadings, "")
			return err
		}, alice, []string{"transfer-started/done"}, true},
		{"withdrawn", func() error { return e.svc.CancelTransfer(ctx, alice, dev) }, alice,
			[]string{"transfer-started/done", "transfer-canceled/done"}, false},
		{"started again, then expired", func() error {
			st, err := e.svc.StartTransfer(ctx, alice, dev, lifecycle.KeepReadings, "")
			if err != nil {
				return err
			}
			set(st.Expires)
			return err
		}, alice, []string{"transfer-started/done", "transfer-canceled/done", "transfer-started/done"}, false},
		{"accepted: the new owner's log", func() error {
			st, err := e.svc.StartTransfer(ctx, alice, dev, lifecycle.KeepReadings, "")
			if err != nil {
				return err
			}
			_, err = e.svc.AcceptTransfer(ctx, bob, hhB, st.Code)
			return err
		}, bob, []string{"transfer-accepted/done"}, false},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got, until := actions(s.who)
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Errorf("%s: log (-want +got):\n%s", s.name, diff)
		}
		if !until.IsZero() != s.transfers {
			t.Errorf("%s: TransferUntil = %v, want a waiting transfer: %v", s.name, until, s.transfers)
		}
	}
	if _, err := e.svc.Log(ctx, alice, dev); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("the previous owner's Log: %v, want ENOTFOUND", err)
	}
}
