package ingest

import (
	"context"
	"crypto/subtle"
	"fmt"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
)

// MaxDeviceIDLength bounds a device ID offered for authentication. Hearth's
// device IDs are 20 characters; a longer one is refused as unknown before
// it reaches the store or the failure limiter, so a stranger cannot fill the
// limiter's memory with long keys.
const MaxDeviceIDLength = 64

// dummyHash is compared against when the device is unknown, so an unknown
// device and a wrong secret take the same path.
var dummyHash = auth.HashDeviceSecret("hearth-unknown-device")

// badCredential is the one answer to an unknown device or a wrong secret.
func badCredential() error {
	return hearth.Errorf(hearth.EUNAUTHORIZED, "unknown device or wrong secret")
}

// AuthenticateDevice checks a device's credential: secret must hash (SHA-256,
// as auth.HashDeviceSecret) to the device's stored credential hash; the
// comparison takes constant time. An unknown device and a wrong secret get
// the same EUNAUTHORIZED error. After AuthFailureLimit failures for a device
// ID, wrong secrets for that ID are refused with ETOOMANY, with progressive
// locks up to AuthFailureWindow (SEC-BRUTE). The right secret is accepted
// even then: it is 256 random bits, which no stranger can guess, so a
// stranger's wrong secrets cannot lock the real device out. Failures are
// counted in metrics.AuthFailures with kind "device". An ID longer than
// MaxDeviceIDLength is refused like an unknown device, without being
// counted against any ID. The right secret of a device in local-only mode
// gets EFORBIDDEN (LOCAL-ONLY): the backend takes nothing from it until its
// owner switches it back. Other errors are store failures.
func (s *Service) AuthenticateDevice(ctx context.Context, deviceID, secret string) (*hearth.Device, error) {
	if len(deviceID) > MaxDeviceIDLength {
		s.metrics.AuthFailures.WithLabelValues("device", "bad_credential").Inc()
		return nil, badCredential()
	}
	dev, err := s.store.Device(ctx, deviceID)
	if err != nil && hearth.ErrorCode(err) != hearth.ENOTFOUND {
		return nil, fmt.Errorf("authenticate device: %w", err)
	}
	want := dummyHash
	if dev != nil {
		want = dev.CredentialHash
	}
	got := auth.HashDeviceSecret(secret)
	if dev != nil && subtle.ConstantTimeCompare(got, want) == 1 {
		if dev.Mode == hearth.ModeLocalOnly { // LOCAL-ONLY
			return nil, hearth.Errorf(hearth.EFORBIDDEN, "the device is in local-only mode: its owner switched its connection to the backend off, and can switch it back in their account")
		}
		return dev, nil
	}
	if ok, _ := s.limiter.Allowed(deviceID); !ok {
		s.metrics.AuthFailures.WithLabelValues("device", "rate_limited").Inc()
		return nil, hearth.Errorf(hearth.ETOOMANY, "too many failed attempts; try again later")
	}
	s.limiter.Fail(deviceID)
	s.metrics.AuthFailures.WithLabelValues("device", "bad_credential").Inc()
	return nil, badCredential()
}
