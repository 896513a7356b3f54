package storetest

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// testDevices covers DeviceStore's devices and credentials.
func testDevices(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("RoundTripUnclaimed", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		d := newDevice("", 0)
		must(t, "CreateDevice", s.CreateDevice(ctx(t), d))
		got, err := s.Device(ctx(t), d.ID)
		must(t, "Device", err)
		diff(t, "Device", got, d)
		if !got.Claimed.IsZero() {
			t.Errorf("Claimed = %v, want the zero time", got.Claimed)
		}
	})
	t.Run("DevicesInOldestFirst", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		other := newHome(t, s, "Other", 0)
		d1 := h.addDevice(t, time.Minute)
		d2 := h.addDevice(t, 2*time.Minute)
		other.addDevice(t, 3*time.Minute)
		got, err := s.DevicesIn(ctx(t), h.h.ID)
		must(t, "DevicesIn", err)
		diff(t, "DevicesIn", got, []hearth.Device{d1, d2})
	})
	t.Run("DuplicateIDConflicts", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		d := newDevice("", 0)
		must(t, "CreateDevice", s.CreateDevice(ctx(t), d))
		dup := newDevice("", time.Hour)
		dup.ID = d.ID
		wantCode(t, "CreateDevice with a taken ID", s.CreateDevice(ctx(t), dup), hearth.ECONFLICT)
		got, err := s.Device(ctx(t), d.ID)
		must(t, "Device", err)
		diff(t, "Device after refused duplicate", got, d)
	})
	t.Run("MissingNotFound", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.Device(ctx(t), "dev_missing")
		wantCode(t, "Device", err, hearth.ENOTFOUND)
	})
	// SEC-NO-DEFAULT-PW: a device credential can be revoked and re-issued.
	t.Run("SetCredential", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		d := newDevice("", 0)
		must(t, "CreateDevice", s.CreateDevice(ctx(t), d))
		must(t, "SetCredential", s.SetCredential(ctx(t), d.ID, []byte("new-hash")))
		got, err := s.Device(ctx(t), d.ID)
		must(t, "Device", err)
		want := *d
		want.CredentialHash = []byte("new-hash")
		diff(t, "Device", got, &want)
	})
}

// testClaims covers CreateClaim and RedeemClaim: one-time, expiring codes.
func testClaims(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("Redeem", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		claim := func(code string, expires time.Duration) hearth.Device {
			d := newDevice("", 0)
			must(t, "CreateDevice", s.CreateDevice(ctx(t), d))
			c := &hearth.Claim{CodeHash: []byte(code), DeviceID: d.ID, Expires: at(expires), Created: at(0)}
			must(t, "CreateClaim", s.CreateClaim(ctx(t), c))
			return *d
		}
		valid := claim("valid", time.Hour)
		claim("expired", time.Minute)
		taken := claim("taken", time.Hour)
		_, err := s.RedeemClaim(ctx(t), []byte("taken"), h.h.ID, at(time.Second))
		must(t, "RedeemClaim", err)
		// A second code for a device that is claimed already.
		c := &hearth.Claim{CodeHash: []byte("second"), DeviceID: taken.ID, Expires: at(time.Hour), Created: at(time.Second)}
		must(t, "CreateClaim", s.CreateClaim(ctx(t), c))

		now := at(30 * time.Minute)
		tests := []struct {
			name string
			code string
			want string // error code, "" for redeemed
		}{
			{"valid", "valid", ""},
			{"used again", "valid", hearth.ECONFLICT},
			{"expired", "expired", hearth.EGONE},
			{"unknown", "unknown", hearth.ENOTFOUND},
			{"device claimed already", "second", hearth.ECONFLICT},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.RedeemClaim(ctx(t), []byte(tt.code), h.h.ID, now)
				wantCode(t, "RedeemClaim", err, tt.want)
				if tt.want != "" || err != nil {
					return
				}
				want := valid
				want.HouseholdID, want.Claimed = h.h.ID, now
				diff(t, "RedeemClaim", got, &want)
				stored, err := s.Device(ctx(t), valid.ID)
				must(t, "Device", err)
				diff(t, "stored Device", stored, &want)
			})
		}
		devices, err := s.DevicesIn(ctx(t), h.h.ID)
		must(t, "DevicesIn", err)
		if len(devices) != 2 {
			t.Errorf("DevicesIn lists %d devices, want 2 (the two redeemed)", len(devices))
		}
	})
	t.Run("NewCodeReplacesEarlier", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		d := newDevice("", 0)
		must(t, "CreateDevice", s.CreateDevice(ctx(t), d))
		for _, code := range []string{"first", "second"} {
			c := &hearth.Claim{CodeHash: []byte(code), DeviceID: d.ID, Expires: at(time.Hour), Created: at(0)}
			must(t, "CreateClaim "+code, s.CreateClaim(ctx(t), c))
		}
		if _, err := s.RedeemClaim(ctx(t), []byte("first"), h.h.ID, at(time.Minute)); err == nil {
			t.Errorf("RedeemClaim of a replaced code: nil error, want one")
		}
		got, err := s.RedeemClaim(ctx(t), []byte("second"), h.h.ID, at(time.Minute))
		must(t, "RedeemClaim of the newest code", err)
		if got.HouseholdID != h.h.ID {
			t.Errorf("HouseholdID = %q, want %q", got.HouseholdID, h.h.ID)
		}
	})
}
