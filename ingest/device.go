package ingest

import (
	"context"
	"crypto/subtle"
	"fmt"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
)

// dummyHash is compared against when the device is unknown, so an unknown
// device and a wrong secret take the same path.
var dummyHash = auth.HashDeviceSecret("hearth-unknown-device")

// AuthenticateDevice checks a device's credential: secret must hash (SHA-256,
// as auth.HashDeviceSecret) to the device's stored credential hash; the
// comparison takes constant time. An unknown device and a wrong secret get
// the same EUNAUTHORIZED error. After AuthFailureLimit failures for a device
// ID within AuthFailureWindow, every attempt for that ID is refused with
// ETOOMANY until the window ends (SEC-BRUTE). Failures are counted in
// metrics.AuthFailures with kind "device". Other errors are store failures.
func (s *Service) AuthenticateDevice(ctx context.Context, deviceID, secret string) (*hearth.Device, error) {
	if ok, _ := s.limiter.Allowed(deviceID); !ok {
		s.metrics.AuthFailures.WithLabelValues("device", "rate_limited").Inc()
		return nil, hearth.Errorf(hearth.ETOOMANY, "too many failed attempts; try again later")
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
	if dev == nil || subtle.ConstantTimeCompare(got, want) != 1 {
		s.limiter.Fail(deviceID)
		s.metrics.AuthFailures.WithLabelValues("device", "bad_credential").Inc()
		return nil, hearth.Errorf(hearth.EUNAUTHORIZED, "unknown device or wrong secret")
	}
	return dev, nil
}
