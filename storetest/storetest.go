// Package storetest is the conformance suite for hearth.Store, in the style
// of testing/slogtest: every storage adapter (SQLite, PostgreSQL, ...) runs
// the same cases with
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) hearth.Store { ... a fresh, empty store ... })
//	}
//
// The suite tests only behaviour the root package's interface documentation
// states, never how an adapter keeps it.
//
// Rules an adapter must meet beyond the interface docs:
//   - Times: a store keeps an instant to at least millisecond precision and
//     need not keep its location. The suite compares every time.Time
//     truncated to the millisecond, with time.Time.Equal; the zero time must
//     come back as the zero time (an unclaimed device's Claimed).
//   - Byte slices: nil and empty are equal.
//   - Lists with nothing in them may be nil or empty.
//   - open is called once per subtest, and subtests run in parallel, so it
//     must return a fresh, empty store each time (for example in t.TempDir()).
//     Run closes each store when its subtest ends.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hearth-iot/hearth"
)

// Run runs the conformance suite against the stores that open returns. Each
// subtest opens its own store and closes it when done.
func Run(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Helper()
	groups := []struct {
		name string
		run  func(t *testing.T, open func(t *testing.T) hearth.Store)
	}{
		{"Accounts", testAccounts},
		{"Sessions", testSessions},
		{"Households", testHouseholds},
		{"Invites", testInvites},
		{"Devices", testDevices},
		{"Claims", testClaims},
		{"Readings", testReadings},
		{"Dedup", testDedup},
		{"Keys", testKeys},
		{"KEKInventory", testKEKInventory},
		{"Ledger", testLedger},
		{"Settings", testSettings},
		{"Notifications", testNotifications},
		{"Export", testExport},
		{"Erasure", testErasure},
		{"Lifecycle", testLifecycle},
		{"DeviceLifecycle", testDeviceLifecycle},
		{"Rights", testRights},
		{"Rectify", testRectify},
		{"Firmware", testFirmware},
		{"MFA", testMFA},
		{"AuthCeremonies", testAuthCeremonies},
		{"OAuth", testOAuth},
		{"Audit", testAudit},
		{"PrivacyBudget", testPrivacyBudget},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			g.run(t, func(t *testing.T) hearth.Store {
				t.Helper()
				s := open(t)
				t.Cleanup(func() {
					if err := s.Close(); err != nil {
						t.Errorf("Close: %v", err)
					}
				})
				return s
			})
		})
	}
}

// opts compares times truncated to the millisecond and nil slices equal to
// empty ones (see the package documentation).
var opts = cmp.Options{
	cmp.Comparer(func(a, b time.Time) bool {
		return a.Truncate(time.Millisecond).Equal(b.Truncate(time.Millisecond))
	}),
	cmpopts.EquateEmpty(),
}

// diff reports a difference between got and want in what's result, under
// opts and any extra options.
func diff(t *testing.T, what string, got, want any, extra ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, opts, cmp.Options(extra)); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// wantCode fails unless err carries the hearth error code want.
func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := hearth.ErrorCode(err); got != want {
		t.Errorf("%s: error code %q (err %v), want %q", what, got, err, want)
	}
}

// must fails the test now if err is not nil.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// base is the suite's reference time: it has sub-millisecond digits that
// the comparison rule drops, away from a millisecond boundary so that a
// store rounding to microseconds also passes.
var base = time.Date(2025, 3, 1, 12, 0, 0, 123_456_789, time.UTC)

// at returns base plus d, in a zone other than UTC: a store keeps the
// instant, not the location.
func at(d time.Duration) time.Time {
	return base.Add(d).In(time.FixedZone("UTC+2", 2*60*60))
}

// ctx returns a context for t.
func ctx(t *testing.T) context.Context { return t.Context() }
