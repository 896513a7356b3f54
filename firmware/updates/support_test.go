package updates_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// TestSupportOf: a device's model shows its lifetime, security-update end,
// support levels, repair information and how updates install.
// LIFETIME-CLEAR REPAIR-INFO SEC-UPDATES
func TestSupportOf(t *testing.T) {
	e := newEnv(t)
	s, ok := e.svc.SupportOf(model)
	if !ok {
		t.Fatal("SupportOf(ember-t1) = false")
	}
	if s.ServiceLifetime != "12y" || s.SecurityUpdatesUntil != "2031-12-31" || s.SecurityUpdatesEnded {
		t.Errorf("support = %+v", s)
	}
	if len(s.SupportLevels) != 3 || s.Repair == nil || len(s.Repair.SpareParts) != 2 {
		t.Errorf("support levels %d, repair %+v; want 3 and the spare parts", len(s.SupportLevels), s.Repair)
	}
	if !strings.Contains(s.UpdateMethod, "owner can also start an update by hand") || !strings.Contains(s.UpdateMethod, "refuses an older version") {
		t.Errorf("update method = %q, want it to state signed updates, rollback refusal and manual updates", s.UpdateMethod)
	}
	if _, ok := e.svc.SupportOf("nope"); ok {
		t.Error("SupportOf(unknown) = true")
	}
}

// TestSupportPass: once a model's security updates end, every member of
// each household with such a device is told to take it off the network,
// once. SEC-UPDATES LIFETIME-CLEAR
func TestSupportPass(t *testing.T) {
	e := newEnv(t)
	h := e.home(t)
	dev := e.device(t, h.id, "1.1.0", false)
	e.device(t, "", "1.1.0", false) // unclaimed: nobody to tell
	e.now = time.Date(2031, 12, 31, 23, 59, 0, 0, time.UTC)
	if n, err := e.svc.SupportPass(e.ctx); err != nil || n != 0 {
		t.Fatalf("SupportPass on the last day = %d, %v; want 0", n, err)
	}
	if len(e.notes(t, h.owner, hearth.NotifyDeviceUnsupported)) != 0 {
		t.Fatal("notified before the end")
	}
	e.now = time.Date(2032, 1, 1, 0, 0, 0, 0, time.UTC)
	if n, err := e.svc.SupportPass(e.ctx); err != nil || n != 1 {
		t.Fatalf("SupportPass after the end = %d, %v; want 1", n, err)
	}
	for _, p := range []string{h.owner, h.adult, h.child} {
		ns := e.notes(t, p, hearth.NotifyDeviceUnsupported)
		if len(ns) != 1 {
			t.Fatalf("person %s has %d unsupported notices, want 1", p, len(ns))
		}
		if !strings.Contains(ns[0].Body, "off your network") || !strings.Contains(ns[0].Body, dev) || !strings.Contains(ns[0].Body, "2031-12-31") {
			t.Errorf("notice %q does not say which device, since when and what to do", ns[0].Body)
		}
	}
	if _, err := e.svc.SupportPass(e.ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(e.notes(t, h.owner, hearth.NotifyDeviceUnsupported)); n != 1 {
		t.Errorf("owner has %d notices after a second pass, want 1", n)
	}
	s, _ := e.svc.SupportOf(model)
	if !s.SecurityUpdatesEnded || !strings.Contains(s.Advice, "off your network") {
		t.Errorf("support after the end = %+v", s)
	}
}
