package storetest

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// testDedup covers the deduplication of resent readings beyond one batch.
func testDedup(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("ResendAfterErasure", func(t *testing.T) { t.Parallel(); testResendAfterErasure(t, open(t)) })
}

// testResendAfterErasure: once a reading is erased, nothing of it is kept
// to refuse its resend (RIGHT-ERASE), so a resend with its (DeviceID,
// MsgID) is stored again, and once only; a reading not erased is still a
// duplicate.
func testResendAfterErasure(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	dev := h.addDevice(t, 0)
	insert(t, s, []hearth.Reading{
		reading(dev, h.owner.ID, "temperature", "m1", 0),
		reading(dev, h.profile.ID, "temperature", "m2", time.Second),
	}, []bool{true, true})
	n, err := s.DeleteReadings(ctx(t), hearth.ErasureFilter{PersonID: h.owner.ID}, 100)
	must(t, "DeleteReadings", err)
	if n != 1 {
		t.Fatalf("DeleteReadings = %d, want 1", n)
	}
	insert(t, s, []hearth.Reading{
		reading(dev, h.owner.ID, "temperature", "m1", 0),
		reading(dev, h.owner.ID, "temperature", "m1", 0),
		reading(dev, h.profile.ID, "temperature", "m2", time.Second),
	}, []bool{true, false, false})
	insert(t, s, []hearth.Reading{reading(dev, h.owner.ID, "temperature", "m1", 0)}, []bool{false})
	if got := all(t, s, hearth.ReadingFilter{HouseholdID: h.h.ID}); len(got) != 2 {
		t.Fatalf("stored %d readings, want 2", len(got))
	}
}
