package storetest

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// testDeviceLifecycle covers DeviceLifecycleStore and the binding check of
// InsertReadings (OWN-TRANSFER, OWN-CLEAN, LOCAL-ONLY).
func testDeviceLifecycle(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("CreateTransfer", func(t *testing.T) { t.Parallel(); testCreateTransfer(t, open(t)) })
	t.Run("AcceptTransfer", func(t *testing.T) { t.Parallel(); testAcceptTransfer(t, open(t)) })
	t.Run("SetDeviceMode", func(t *testing.T) { t.Parallel(); testSetDeviceMode(t, open(t)) })
	t.Run("DeviceLog", func(t *testing.T) { t.Parallel(); testDeviceLog(t, open(t)) })
	t.Run("UnboundReadings", func(t *testing.T) { t.Parallel(); testUnboundReadings(t, open(t)) })
}

// newTransfer returns an unsaved transfer of dev out of its household,
// expiring an hour after base.
func newTransfer(dev hearth.Device, startedBy string, erase bool) *hearth.Transfer {
	return &hearth.Transfer{CodeHash: []byte(hearth.NewID("code-")), DeviceID: dev.ID, FromHousehold: dev.HouseholdID,
		StartedBy: startedBy, Erase: erase, Created: at(0), Expires: at(time.Hour)}
}

func testCreateTransfer(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	other := newHome(t, s, "Other", 0)
	dev := h.addDevice(t, 0)
	first := newTransfer(dev, h.owner.ID, false)
	must(t, "CreateTransfer", s.CreateTransfer(ctx(t), first))
	got, err := s.TransferByCode(ctx(t), first.CodeHash)
	must(t, "TransferByCode", err)
	diff(t, "TransferByCode", got, first)

	second := newTransfer(dev, h.owner.ID, true)
	must(t, "CreateTransfer (again)", s.CreateTransfer(ctx(t), second))
	_, err = s.TransferByCode(ctx(t), first.CodeHash)
	wantCode(t, "TransferByCode of the replaced transfer", err, hearth.ENOTFOUND)

	wrong := newTransfer(dev, other.owner.ID, false)
	wrong.FromHousehold = other.h.ID
	wantCode(t, "CreateTransfer from a household the device is not in", s.CreateTransfer(ctx(t), wrong), hearth.ENOTFOUND)
	_, err = s.TransferByCode(ctx(t), []byte("no such code"))
	wantCode(t, "TransferByCode of an unknown code", err, hearth.ENOTFOUND)

	n, err := s.DeleteTransfers(ctx(t), dev.ID)
	if err != nil || n != 1 {
		t.Errorf("DeleteTransfers = %d, %v; want 1", n, err)
	}
	_, err = s.TransferByCode(ctx(t), second.CodeHash)
	wantCode(t, "TransferByCode after DeleteTransfers", err, hearth.ENOTFOUND)

	third := newTransfer(dev, h.owner.ID, false) // expires at(time.Hour)
	must(t, "CreateTransfer", s.CreateTransfer(ctx(t), third))
	if n, err := s.DeleteTransfersExpiredBefore(ctx(t), at(time.Hour)); err != nil || n != 0 {
		t.Errorf("DeleteTransfersExpiredBefore(its expiry) = %d, %v; want 0", n, err)
	}
	if n, err := s.DeleteTransfersExpiredBefore(ctx(t), at(time.Hour+time.Second)); err != nil || n != 1 {
		t.Errorf("DeleteTransfersExpiredBefore(after its expiry) = %d, %v; want 1", n, err)
	}
	_, err = s.TransferByCode(ctx(t), third.CodeHash)
	wantCode(t, "TransferByCode after DeleteTransfersExpiredBefore", err, hearth.ENOTFOUND)
}

func testAcceptTransfer(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	to := newHome(t, s, "New home", 0)
	dev := h.addDevice(t, 0)
	tr := newTransfer(dev, h.owner.ID, false)
	must(t, "CreateTransfer", s.CreateTransfer(ctx(t), tr))
	newHash := []byte("new credential")

	_, err := s.AcceptTransfer(ctx(t), []byte("no such code"), to.h.ID, newHash, at(time.Minute))
	wantCode(t, "AcceptTransfer of an unknown code", err, hearth.ENOTFOUND)
	_, err = s.AcceptTransfer(ctx(t), tr.CodeHash, to.h.ID, newHash, at(time.Hour))
	wantCode(t, "AcceptTransfer at its expiry", err, hearth.EGONE)
	got, err := s.Device(ctx(t), dev.ID)
	must(t, "Device", err)
	diff(t, "device after a refused AcceptTransfer", got, &dev)

	used, err := s.AcceptTransfer(ctx(t), tr.CodeHash, to.h.ID, newHash, at(time.Minute))
	must(t, "AcceptTransfer", err)
	want := *tr
	want.Used, want.ToHousehold = at(time.Minute), to.h.ID
	diff(t, "AcceptTransfer", used, &want)
	got, err = s.Device(ctx(t), dev.ID)
	must(t, "Device", err)
	moved := dev
	moved.HouseholdID, moved.Claimed, moved.CredentialHash = to.h.ID, at(time.Minute), newHash
	diff(t, "device after AcceptTransfer", got, &moved)

	_, err = s.AcceptTransfer(ctx(t), tr.CodeHash, to.h.ID, []byte("again"), at(2*time.Minute))
	wantCode(t, "AcceptTransfer of a used code", err, hearth.ECONFLICT)

	// A transfer whose device left its household since is refused.
	dev2 := h.addDevice(t, time.Second)
	tr2 := newTransfer(dev2, h.owner.ID, false)
	must(t, "CreateTransfer", s.CreateTransfer(ctx(t), tr2))
	must(t, "UnbindDevice", s.UnbindDevice(ctx(t), dev2.ID, h.h.ID, []byte("revoked")))
	_, err = s.AcceptTransfer(ctx(t), tr2.CodeHash, to.h.ID, newHash, at(time.Minute))
	wantCode(t, "AcceptTransfer of a device removed since", err, hearth.ECONFLICT)
	left, err := s.TransferByCode(ctx(t), tr2.CodeHash)
	must(t, "TransferByCode", err)
	if !left.Used.IsZero() {
		t.Errorf("refused transfer marked used at %v", left.Used)
	}
}

func testSetDeviceMode(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	other := newHome(t, s, "Other", 0)
	dev := h.addDevice(t, 0)
	must(t, "SetDeviceMode", s.SetDeviceMode(ctx(t), dev.ID, h.h.ID, hearth.ModeLocalOnly))
	got, err := s.Device(ctx(t), dev.ID)
	must(t, "Device", err)
	if got.Mode != hearth.ModeLocalOnly {
		t.Errorf("mode = %q, want %q", got.Mode, hearth.ModeLocalOnly)
	}
	wantCode(t, "SetDeviceMode in another household", s.SetDeviceMode(ctx(t), dev.ID, other.h.ID, hearth.ModeCloud), hearth.ENOTFOUND)
	wantCode(t, "SetDeviceMode of an unknown device", s.SetDeviceMode(ctx(t), "dev_none", h.h.ID, hearth.ModeCloud), hearth.ENOTFOUND)
}

func testDeviceLog(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	dev := h.addDevice(t, 0)
	entries := []hearth.DeviceLogEntry{
		{DeviceID: dev.ID, HouseholdID: h.h.ID, PersonID: h.owner.ID, Action: hearth.ActionTransferStarted, Outcome: "done", Time: at(time.Second)},
		{DeviceID: dev.ID, Action: hearth.ActionCommandRefused, Outcome: "done", CommandID: "cmd_1", Time: at(2 * time.Second)},
		{DeviceID: "dev_other", Action: hearth.ActionFactoryReset, Outcome: "done", Time: at(time.Second)},
	}
	for i := range entries {
		must(t, "AppendDeviceLog", s.AppendDeviceLog(ctx(t), &entries[i]))
		if entries[i].ID == 0 || (i > 0 && entries[i].ID <= entries[i-1].ID) {
			t.Errorf("entry %d: ID %d, want increasing IDs", i, entries[i].ID)
		}
	}
	got, err := s.DeviceLog(ctx(t), dev.ID)
	must(t, "DeviceLog", err)
	diff(t, "DeviceLog", got, entries[:2])
	got, err = s.DeviceLog(ctx(t), "dev_unknown")
	must(t, "DeviceLog of an unknown device", err)
	diff(t, "DeviceLog of an unknown device", got, []hearth.DeviceLogEntry{})

	mine, err := s.DeviceLogBy(ctx(t), h.owner.ID, 10)
	must(t, "DeviceLogBy", err)
	diff(t, "DeviceLogBy", mine, entries[:1])
	if none, err := s.DeviceLogBy(ctx(t), h.profile.ID, 10); err != nil || len(none) != 0 {
		t.Errorf("DeviceLogBy of a person who did nothing = %v, %v; want none", none, err)
	}

	n, err := s.DeleteDeviceLogBefore(ctx(t), at(2*time.Second))
	if err != nil || n != 2 {
		t.Errorf("DeleteDeviceLogBefore = %d, %v; want the 2 entries before it", n, err)
	}
	got, err = s.DeviceLog(ctx(t), dev.ID)
	must(t, "DeviceLog", err)
	diff(t, "DeviceLog after DeleteDeviceLogBefore", got, entries[1:2])
}

// testUnboundReadings: a reading of a device that is, when the batch is
// committed, bound to another household, to none, or in local-only mode is
// not stored (OWN-CLEAN): it lands in neither household; the others of the
// batch are stored.
func testUnboundReadings(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	to := newHome(t, s, "New home", 0)
	dev := h.addDevice(t, 0)
	before := reading(dev, "", "temperature", "before", 0)
	insert(t, s, []hearth.Reading{before}, []bool{true})

	tr := newTransfer(dev, h.owner.ID, false)
	must(t, "CreateTransfer", s.CreateTransfer(ctx(t), tr))
	_, err := s.AcceptTransfer(ctx(t), tr.CodeHash, to.h.ID, []byte("new"), at(time.Minute))
	must(t, "AcceptTransfer", err)
	stale := reading(dev, "", "temperature", "stale", time.Minute) // from a session opened before the transfer
	moved := dev
	moved.HouseholdID = to.h.ID
	after := reading(moved, "", "temperature", "after", 2*time.Minute)
	got, err := s.InsertReadings(ctx(t), []hearth.Reading{stale, after})
	must(t, "InsertReadings", err)
	diff(t, "InsertReadings", got, []hearth.Insertion{hearth.Unbound, hearth.Stored})

	local := to.addDevice(t, time.Second)
	must(t, "SetDeviceMode", s.SetDeviceMode(ctx(t), local.ID, to.h.ID, hearth.ModeLocalOnly))
	removed := to.addDevice(t, 2*time.Second)
	must(t, "UnbindDevice", s.UnbindDevice(ctx(t), removed.ID, to.h.ID, []byte("revoked")))
	got, err = s.InsertReadings(ctx(t), []hearth.Reading{
		reading(local, "", "temperature", "local", 0), reading(removed, "", "temperature", "removed", 0)})
	must(t, "InsertReadings", err)
	diff(t, "InsertReadings", got, []hearth.Insertion{hearth.Unbound, hearth.Unbound})

	diff(t, "previous household's readings", msgIDs(t, s, h.h.ID), []string{"before"})
	diff(t, "new household's readings", msgIDs(t, s, to.h.ID), []string{"after"})
}
