package postgres_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/internal/pgtest"
	"github.com/hearth-iot/hearth/postgres"
)

// openNodes opens n stores on the same two databases, as n Hearth nodes do,
// with households hh0…hh(k-1) stored directly.
func openNodes(t *testing.T, n, k int) (string, []*postgres.DB) {
	t.Helper()
	data, keys := pgtest.Store(t)
	var dbs []*postgres.DB
	for range n {
		db, err := postgres.Open(t.Context(), data, keys)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	for i := range k {
		exec(t, data, "INSERT INTO households (id, name, created) VALUES ($1, 'Home', 0)", fmt.Sprintf("hh%d", i))
	}
	return data, dbs
}

// raceOn runs f(i) for i in 0…n-1 at once, each on nodes[i%len(nodes)],
// and returns the error codes ("" for success) in i order.
func raceOn(nodes []*postgres.DB, n int, f func(db *postgres.DB, i int) error) []string {
	codes := make([]string, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := f(nodes[i%len(nodes)], i)
			codes[i] = hearth.ErrorCode(err)
			if err != nil && codes[i] == "" {
				codes[i] = err.Error()
			}
		}()
	}
	close(start)
	wg.Wait()
	return codes
}

// oneWinner checks that exactly one of codes is "" and every other is
// ECONFLICT, and returns the winner's index.
func oneWinner(t *testing.T, what string, codes []string) int {
	t.Helper()
	win := -1
	for i, c := range codes {
		switch {
		case c == "" && win >= 0:
			t.Errorf("%s: attempts %d and %d both succeeded, want one", what, win, i)
		case c == "":
			win = i
		case c != hearth.ECONFLICT:
			t.Errorf("%s: attempt %d failed with %q, want ECONFLICT", what, i, c)
		}
	}
	if win < 0 {
		t.Fatalf("%s: no attempt succeeded: %v", what, codes)
	}
	return win
}

func storeDevice(t *testing.T, db *postgres.DB, householdID string) *hearth.Device {
	t.Helper()
	d := &hearth.Device{ID: hearth.NewID("dev_"), Model: "thermo-1", HouseholdID: householdID,
		CredentialHash: []byte("hash"), Firmware: "1.0.0", Mode: hearth.ModeCloud, Created: time.Unix(1, 0)}
	if householdID != "" {
		d.Claimed = time.Unix(2, 0)
	}
	if err := db.CreateDevice(t.Context(), d); err != nil {
		t.Fatalf("CreateDevice: %v", err)
	}
	return d
}

// Nodes redeeming one claim code at once, each for its own household:
// exactly one binds the device, the others get ECONFLICT, and the device
// is in the winner's household.
func TestRedeemClaimConcurrentOneWinner(t *testing.T) {
	const n = 8
	_, dbs := openNodes(t, 2, n)
	d := storeDevice(t, dbs[0], "")
	now := time.Unix(100, 0)
	c := &hearth.Claim{CodeHash: []byte("code"), DeviceID: d.ID, Expires: now.Add(time.Hour), Created: now}
	if err := dbs[0].CreateClaim(t.Context(), c); err != nil {
		t.Fatalf("CreateClaim: %v", err)
	}
	codes := raceOn(dbs, n, func(db *postgres.DB, i int) error {
		_, err := db.RedeemClaim(t.Context(), c.CodeHash, fmt.Sprintf("hh%d", i), now)
		return err
	})
	win := oneWinner(t, "RedeemClaim", codes)
	got, err := dbs[1].Device(t.Context(), d.ID)
	if err != nil {
		t.Fatalf("Device: %v", err)
	}
	if want := fmt.Sprintf("hh%d", win); got.HouseholdID != want {
		t.Errorf("HouseholdID = %q, want the winner's %q", got.HouseholdID, want)
	}
}

// Two claim codes of one device (as two nodes creating codes at once
// could leave without the device lock) redeemed at once: one binds it.
func TestRedeemClaimTwoCodesOneDevice(t *testing.T) {
	data, dbs := openNodes(t, 2, 2)
	d := storeDevice(t, dbs[0], "")
	now := time.Unix(100, 0)
	for _, code := range []string{"a", "b"} {
		exec(t, data, "INSERT INTO claims (code_hash, device_id, expires, created) VALUES ($1, $2, $3, 0)",
			[]byte(code), d.ID, now.Add(time.Hour).UnixNano())
	}
	codes := raceOn(dbs, 2, func(db *postgres.DB, i int) error {
		_, err := db.RedeemClaim(t.Context(), []byte{"ab"[i]}, fmt.Sprintf("hh%d", i), now)
		return err
	})
	win := oneWinner(t, "RedeemClaim of two codes", codes)
	got, err := dbs[0].Device(t.Context(), d.ID)
	if err != nil {
		t.Fatalf("Device: %v", err)
	}
	if want := fmt.Sprintf("hh%d", win); got.HouseholdID != want {
		t.Errorf("HouseholdID = %q, want the winner's %q", got.HouseholdID, want)
	}
}

// Nodes creating claim codes for one device at once leave exactly one
// (tried over several rounds: the race is not certain to occur in one).
func TestCreateClaimConcurrentLeavesOne(t *testing.T) {
	const n = 8
	data, dbs := openNodes(t, 2, 0)
	now := time.Unix(100, 0)
	for round := range 10 {
		d := storeDevice(t, dbs[0], "")
		codes := raceOn(dbs, n, func(db *postgres.DB, i int) error {
			c := &hearth.Claim{CodeHash: fmt.Appendf(nil, "code%d-%d", round, i), DeviceID: d.ID, Expires: now.Add(time.Hour), Created: now}
			return db.CreateClaim(t.Context(), c)
		})
		for i, c := range codes {
			if c != "" {
				t.Errorf("round %d: CreateClaim %d: %s", round, i, c)
			}
		}
		var left int
		query(t, data, fmt.Sprintf("SELECT count(*) FROM claims WHERE device_id = '%s'", d.ID), &left)
		if left != 1 {
			t.Errorf("round %d: %d claim codes left for the device, want 1", round, left)
		}
	}
}

// Nodes accepting one transfer at once, each into its own household:
// exactly one moves the device, with its credential.
func TestAcceptTransferConcurrentOneWinner(t *testing.T) {
	const n = 8
	_, dbs := openNodes(t, 2, n+1)
	d := storeDevice(t, dbs[0], fmt.Sprintf("hh%d", n))
	now := time.Unix(100, 0)
	tr := &hearth.Transfer{CodeHash: []byte("code"), DeviceID: d.ID, FromHousehold: d.HouseholdID, StartedBy: "p_1",
		Created: now, Expires: now.Add(time.Hour)}
	if err := dbs[0].CreateTransfer(t.Context(), tr); err != nil {
		t.Fatalf("CreateTransfer: %v", err)
	}
	codes := raceOn(dbs, n, func(db *postgres.DB, i int) error {
		_, err := db.AcceptTransfer(t.Context(), tr.CodeHash, fmt.Sprintf("hh%d", i), fmt.Appendf(nil, "cred%d", i), now)
		return err
	})
	win := oneWinner(t, "AcceptTransfer", codes)
	got, err := dbs[1].Device(t.Context(), d.ID)
	if err != nil {
		t.Fatalf("Device: %v", err)
	}
	if want := fmt.Sprintf("hh%d", win); got.HouseholdID != want || string(got.CredentialHash) != fmt.Sprintf("cred%d", win) {
		t.Errorf("device in %q with credential %q, want the winner's %q, cred%d", got.HouseholdID, got.CredentialHash, want, win)
	}
	used, err := dbs[1].TransferByCode(t.Context(), tr.CodeHash)
	if err != nil {
		t.Fatalf("TransferByCode: %v", err)
	}
	if used.ToHousehold != fmt.Sprintf("hh%d", win) {
		t.Errorf("transfer used into %q, want hh%d", used.ToHousehold, win)
	}
}

// A transfer started on one node while another accepts the device's
// earlier one: either the acceptance wins (the device moves, the new
// transfer is refused: the device left the household) or the new one
// replaces the earlier (the acceptance finds no such code); never both.
func TestCreateTransferRacesAccept(t *testing.T) {
	for range 10 {
		_, dbs := openNodes(t, 2, 2)
		d := storeDevice(t, dbs[0], "hh0")
		now := time.Unix(100, 0)
		first := &hearth.Transfer{CodeHash: []byte("first"), DeviceID: d.ID, FromHousehold: "hh0", StartedBy: "p_1", Created: now, Expires: now.Add(time.Hour)}
		if err := dbs[0].CreateTransfer(t.Context(), first); err != nil {
			t.Fatalf("CreateTransfer: %v", err)
		}
		second := *first
		second.CodeHash = []byte("second")
		codes := raceOn(dbs, 2, func(db *postgres.DB, i int) error {
			if i == 0 {
				_, err := db.AcceptTransfer(t.Context(), first.CodeHash, "hh1", []byte("new"), now)
				return err
			}
			return db.CreateTransfer(t.Context(), &second)
		})
		switch codes[0] {
		case "":
			if codes[1] != hearth.ENOTFOUND {
				t.Errorf("accepted, then CreateTransfer: %q, want ENOTFOUND (the device left the household)", codes[1])
			}
		case hearth.ENOTFOUND:
			if codes[1] != "" {
				t.Errorf("AcceptTransfer found no code, but CreateTransfer failed too: %q", codes[1])
			}
		default:
			t.Errorf("AcceptTransfer: %q, want success or ENOTFOUND", codes[0])
		}
	}
}

// Devices created at the same time are listed in the order they were
// stored, as SQLite's rowid orders them, whatever their IDs.
func TestDevicesInSameTimeStoredOrder(t *testing.T) {
	_, dbs := openNodes(t, 1, 1)
	var want []string
	for _, id := range []string{"dev_c", "dev_a", "dev_b"} {
		d := &hearth.Device{ID: id, Model: "thermo-1", HouseholdID: "hh0", CredentialHash: []byte("hash"),
			Firmware: "1.0.0", Mode: hearth.ModeCloud, Created: time.Unix(1, 0), Claimed: time.Unix(2, 0)}
		if err := dbs[0].CreateDevice(t.Context(), d); err != nil {
			t.Fatalf("CreateDevice: %v", err)
		}
		want = append(want, id)
	}
	list, err := dbs[0].DevicesIn(t.Context(), "hh0")
	if err != nil {
		t.Fatalf("DevicesIn: %v", err)
	}
	var got []string
	for _, d := range list {
		got = append(got, d.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("DevicesIn = %v, want %v", got, want)
	}
}
