package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// release returns an unsaved release of thermo-1 at version, published at
// offset d from base.
func release(version string, d time.Duration) *hearth.FirmwareRelease {
	return &hearth.FirmwareRelease{
		Model: "thermo-1", Version: version, Metadata: []byte(`{"signed":{}}`),
		SHA256: "ab", Length: 5, Expires: at(d + 24*time.Hour), Substantial: true,
		Notes: "Adds a schedule.", KeyID: "k1", Published: at(d),
	}
}

// offer returns an unsaved pending offer of version to dev at offset d.
func offer(dev hearth.Device, version string, d time.Duration) *hearth.FirmwareOffer {
	return &hearth.FirmwareOffer{DeviceID: dev.ID, Model: dev.Model, Version: version, CommandID: hearth.NewID("cmd_"),
		Status: hearth.OfferPending, Created: at(d), Updated: at(d)}
}

// testFirmware covers FirmwareStore. SEC-UPDATES
func testFirmware(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("Releases", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		r1, r2 := release("1.0.0", 0), release("1.1.0", time.Hour)
		must(t, "AddFirmwareRelease", s.AddFirmwareRelease(ctx(t), r1, []byte("image")))
		must(t, "AddFirmwareRelease", s.AddFirmwareRelease(ctx(t), r2, []byte("image2")))
		wantCode(t, "AddFirmwareRelease twice", s.AddFirmwareRelease(ctx(t), release("1.0.0", 2*time.Hour), []byte("x")), hearth.ECONFLICT)
		got, err := s.FirmwareRelease(ctx(t), "thermo-1", "1.0.0")
		must(t, "FirmwareRelease", err)
		diff(t, "FirmwareRelease", got, r1)
		list, err := s.FirmwareReleases(ctx(t), "thermo-1")
		must(t, "FirmwareReleases", err)
		diff(t, "FirmwareReleases", list, []hearth.FirmwareRelease{*r2, *r1})
		all, err := s.FirmwareReleases(ctx(t), "")
		must(t, "FirmwareReleases(all)", err)
		diff(t, "FirmwareReleases(all)", all, []hearth.FirmwareRelease{*r2, *r1})
		none, err := s.FirmwareReleases(ctx(t), "other-model")
		must(t, "FirmwareReleases(other)", err)
		if len(none) != 0 {
			t.Errorf("FirmwareReleases(other-model) = %d releases, want 0", len(none))
		}
		img, err := s.FirmwareImage(ctx(t), "thermo-1", "1.0.0")
		must(t, "FirmwareImage", err)
		if !bytes.Equal(img, []byte("image")) {
			t.Errorf("FirmwareImage = %q, want %q", img, "image")
		}
		_, err = s.FirmwareImage(ctx(t), "thermo-1", "9.9.9")
		wantCode(t, "FirmwareImage(missing)", err, hearth.ENOTFOUND)
		_, err = s.FirmwareRelease(ctx(t), "thermo-1", "9.9.9")
		wantCode(t, "FirmwareRelease(missing)", err, hearth.ENOTFOUND)
	})
	t.Run("DevicesOfModel", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		d1 := h.addDevice(t, time.Minute)
		d2 := newDevice("", 2*time.Minute)
		must(t, "CreateDevice", s.CreateDevice(ctx(t), d2))
		other := newDevice("", 3*time.Minute)
		other.Model = "plug-1"
		must(t, "CreateDevice", s.CreateDevice(ctx(t), other))
		got, err := s.DevicesOfModel(ctx(t), "thermo-1")
		must(t, "DevicesOfModel", err)
		want := []hearth.Device{d1, *d2}
		if want[0].ID > want[1].ID {
			want[0], want[1] = want[1], want[0]
		}
		diff(t, "DevicesOfModel", got, want)
	})
	t.Run("Offers", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		dev := h.addDevice(t, time.Minute)
		must(t, "AddFirmwareRelease", s.AddFirmwareRelease(ctx(t), release("1.1.0", 0), []byte("image")))
		o := offer(dev, "1.1.0", time.Hour)
		must(t, "PutFirmwareOffer", s.PutFirmwareOffer(ctx(t), o))
		wantCode(t, "PutFirmwareOffer(no release)", s.PutFirmwareOffer(ctx(t), offer(dev, "7.0.0", time.Hour)), hearth.ENOTFOUND)
		wantCode(t, "PutFirmwareOffer(no device)", s.PutFirmwareOffer(ctx(t), offer(hearth.Device{ID: "dev_missing", Model: "thermo-1"}, "1.1.0", time.Hour)), hearth.ENOTFOUND)
		must(t, "AddFirmwareRelease", s.AddFirmwareRelease(ctx(t), release("1.2.0", time.Minute), []byte("image2")))
		o2 := offer(dev, "1.2.0", time.Hour)
		must(t, "PutFirmwareOffer", s.PutFirmwareOffer(ctx(t), o2))
		pending, err := s.PendingFirmwareOffers(ctx(t), "", "", 0)
		must(t, "PendingFirmwareOffers", err)
		diff(t, "PendingFirmwareOffers", pending, []hearth.FirmwareOffer{*o, *o2})
		page, err := s.PendingFirmwareOffers(ctx(t), "", "", 1)
		must(t, "PendingFirmwareOffers(1)", err)
		diff(t, "PendingFirmwareOffers(1)", page, []hearth.FirmwareOffer{*o})
		after, err := s.PendingFirmwareOffers(ctx(t), dev.ID, "1.1.0", 0)
		must(t, "PendingFirmwareOffers(after the first)", err)
		diff(t, "PendingFirmwareOffers(after the first)", after, []hearth.FirmwareOffer{*o2})
		sent2 := *o2
		sent2.Status = hearth.OfferSent
		must(t, "PutFirmwareOffer(sent)", s.PutFirmwareOffer(ctx(t), &sent2))
		sent := *o
		sent.Status, sent.CommandID, sent.Created, sent.Updated = hearth.OfferSent, "cmd_2", at(2*time.Hour), at(2*time.Hour)
		must(t, "PutFirmwareOffer(replace)", s.PutFirmwareOffer(ctx(t), &sent))
		got, err := s.FirmwareOffer(ctx(t), dev.ID, "1.1.0")
		must(t, "FirmwareOffer", err)
		want := sent
		want.Created = o.Created // kept from the first
		diff(t, "FirmwareOffer after replace", got, &want)
		list, err := s.FirmwareOffers(ctx(t), dev.ID)
		must(t, "FirmwareOffers", err)
		diff(t, "FirmwareOffers", list, []hearth.FirmwareOffer{sent2, want}) // created together: by version text, descending
		pending, err = s.PendingFirmwareOffers(ctx(t), "", "", 0)
		must(t, "PendingFirmwareOffers", err)
		if len(pending) != 0 {
			t.Errorf("PendingFirmwareOffers after sending = %d, want 0", len(pending))
		}
		_, err = s.FirmwareOffer(ctx(t), dev.ID, "9.9.9")
		wantCode(t, "FirmwareOffer(missing)", err, hearth.ENOTFOUND)
	})
	t.Run("Reports", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		dev := h.addDevice(t, time.Minute)
		must(t, "AddFirmwareRelease", s.AddFirmwareRelease(ctx(t), release("1.1.0", 0), []byte("image")))
		must(t, "PutFirmwareOffer", s.PutFirmwareOffer(ctx(t), offer(dev, "1.1.0", time.Hour)))

		// A report of a version never offered is refused by the store
		// when marked accepted, and nothing changes.
		bad := &hearth.FirmwareReport{ID: hearth.NewID("fwr_"), DeviceID: dev.ID, Status: "installed", Version: "6.6.6", Accepted: true, At: at(2 * time.Hour)}
		wantCode(t, "RecordFirmwareReport(never offered, accepted)", s.RecordFirmwareReport(ctx(t), bad), hearth.ENOTFOUND)
		// Recorded as refused, it is kept and changes nothing else.
		bad.Accepted, bad.Problem = false, "never offered"
		must(t, "RecordFirmwareReport(refused)", s.RecordFirmwareReport(ctx(t), bad))
		d, err := s.Device(ctx(t), dev.ID)
		must(t, "Device", err)
		if d.Firmware != dev.Firmware {
			t.Errorf("Firmware = %s after a refused report, want %s", d.Firmware, dev.Firmware)
		}

		refusal := &hearth.FirmwareReport{ID: hearth.NewID("fwr_"), DeviceID: dev.ID, Status: "refused", Version: "1.1.0",
			Reason: "expired", Detail: "expired at ...", Accepted: true, At: at(3 * time.Hour)}
		must(t, "RecordFirmwareReport(refusal)", s.RecordFirmwareReport(ctx(t), refusal))
		o, err := s.FirmwareOffer(ctx(t), dev.ID, "1.1.0")
		must(t, "FirmwareOffer", err)
		if o.Status != hearth.OfferRefused || o.Reason != "expired" {
			t.Errorf("offer = %s/%s, want refused/expired", o.Status, o.Reason)
		}

		ok := &hearth.FirmwareReport{ID: hearth.NewID("fwr_"), DeviceID: dev.ID, Status: "installed", Version: "1.1.0", Accepted: true, At: at(4 * time.Hour)}
		must(t, "RecordFirmwareReport(installed)", s.RecordFirmwareReport(ctx(t), ok))
		d, err = s.Device(ctx(t), dev.ID)
		must(t, "Device", err)
		if d.Firmware != "1.1.0" {
			t.Errorf("Firmware = %s, want 1.1.0", d.Firmware)
		}
		reps, err := s.FirmwareReports(ctx(t), dev.ID, 0)
		must(t, "FirmwareReports", err)
		diff(t, "FirmwareReports", reps, []hearth.FirmwareReport{*ok, *refusal, *bad})
		one, err := s.FirmwareReports(ctx(t), dev.ID, 1)
		must(t, "FirmwareReports(1)", err)
		diff(t, "FirmwareReports(1)", one, []hearth.FirmwareReport{*ok})
	})
	t.Run("Refusals", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		r1 := &hearth.FirmwareRefusal{ID: hearth.NewID("fwx_"), DeviceID: "dev_nope", PersonID: h.owner.ID, Problem: "no such device", At: at(time.Hour)}
		r2 := &hearth.FirmwareRefusal{ID: hearth.NewID("fwx_"), DeviceID: "dev_x", PersonID: h.profile.ID, Problem: "not an owner", At: at(2 * time.Hour)}
		must(t, "RecordFirmwareRefusal", s.RecordFirmwareRefusal(ctx(t), r1))
		must(t, "RecordFirmwareRefusal", s.RecordFirmwareRefusal(ctx(t), r2))
		bad := *r1
		bad.ID, bad.PersonID = hearth.NewID("fwx_"), "p_missing"
		wantCode(t, "RecordFirmwareRefusal(unknown person)", s.RecordFirmwareRefusal(ctx(t), &bad), hearth.ENOTFOUND)
		got, err := s.FirmwareRefusals(ctx(t), 0)
		must(t, "FirmwareRefusals", err)
		diff(t, "FirmwareRefusals", got, []hearth.FirmwareRefusal{*r2, *r1})
		one, err := s.FirmwareRefusals(ctx(t), 1)
		must(t, "FirmwareRefusals(1)", err)
		diff(t, "FirmwareRefusals(1)", one, []hearth.FirmwareRefusal{*r2})
		mine, err := s.FirmwareRefusalsBy(ctx(t), h.owner.ID, 0)
		must(t, "FirmwareRefusalsBy", err)
		diff(t, "FirmwareRefusalsBy(owner)", mine, []hearth.FirmwareRefusal{*r1})
		none, err := s.FirmwareRefusalsBy(ctx(t), "p_missing", 0)
		must(t, "FirmwareRefusalsBy(unknown)", err)
		diff(t, "FirmwareRefusalsBy(unknown)", none, []hearth.FirmwareRefusal(nil))
		n, err := s.DeleteFirmwareRefusalsBefore(ctx(t), at(2*time.Hour))
		must(t, "DeleteFirmwareRefusalsBefore", err)
		if n != 1 {
			t.Errorf("DeleteFirmwareRefusalsBefore deleted %d, want 1 (the one before, not the one at t)", n)
		}
		left, err := s.FirmwareRefusals(ctx(t), 0)
		must(t, "FirmwareRefusals", err)
		diff(t, "FirmwareRefusals after deleting", left, []hearth.FirmwareRefusal{*r2})
	})
}
