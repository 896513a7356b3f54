package export_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/consent"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/export"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/rights"
	"github.com/hearth-iot/hearth/seal"
	"github.com/hearth-iot/hearth/sealstore"
	"github.com/hearth-iot/hearth/sqlite"
)

// instance is one Hearth instance: a real SQLite store, its own key, the
// consent and export services.
type instance struct {
	store    *sealstore.Store
	keys     *seal.Keyring
	consents *consent.Service
	export   *export.Service
	now      time.Time
}

func newInstance(t testing.TB, name string) *instance {
	t.Helper()
	m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := policy.Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	key := bytes.Repeat([]byte(name[:1]), 32)
	kek, err := seal.NewKEK(key)
	if err != nil {
		t.Fatal(err)
	}
	keys := seal.NewKeyring(kek, db)
	store := sealstore.New(db, keys) // as the server runs: personal fields sealed
	in := &instance{store: store, keys: keys, now: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return in.now }
	in.consents, err = consent.NewService(consent.Config{Store: store, Ledger: ledger.New(store, clock), Manifest: m, Policy: eng, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rights.NewService(rights.Config{Store: store, Auth: auth.NewService(auth.Config{Store: store}), Keys: keys, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	in.export, err = export.New(export.Config{Store: store, Keys: in.keys, Manifest: m, Policy: eng,
		Consents: in.consents, Rights: rs, Instance: name, Now: clock, TempDir: t.TempDir(), PageSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// home is a household on an instance: an owner with an account, an adult
// with an account, the adult's child and a guest profile.
type home struct {
	hh                         string
	owner, adult, child, guest string
	device                     string
}

func (in *instance) newHome(t testing.TB) *home {
	t.Helper()
	ctx := t.Context()
	h := &home{hh: hearth.NewID("hh_"), device: hearth.NewID("dev_")}
	account := func(name string) string {
		p := &hearth.Person{ID: hearth.NewID("p_"), DisplayName: name, Created: in.now}
		a := &hearth.Account{ID: hearth.NewID("a_"), Email: hearth.Email(strings.ToLower(name) + "@example.org"),
			PasswordHash: "x", PersonID: p.ID, Created: in.now}
		p.AccountID = a.ID
		must(t, in.store.CreateAccount(ctx, a, p))
		return p.ID
	}
	h.owner, h.adult = account("Owner"), account("Adult")
	must(t, in.store.CreateHousehold(ctx, &hearth.Household{ID: h.hh, Name: "Home", Created: in.now},
		&hearth.Member{HouseholdID: h.hh, PersonID: h.owner, Role: hearth.RoleOwner, Added: in.now}))
	must(t, in.store.AddMember(ctx, &hearth.Member{HouseholdID: h.hh, PersonID: h.adult, Role: hearth.RoleAdult, Added: in.now}))
	profile := func(name string, role hearth.Role, guardian string) string {
		p := &hearth.Person{ID: hearth.NewID("p_"), HouseholdID: h.hh, DisplayName: name, Created: in.now}
		must(t, in.store.CreatePerson(ctx, p, &hearth.Member{HouseholdID: h.hh, PersonID: p.ID, Role: role, GuardianID: guardian, Added: in.now}))
		return p.ID
	}
	h.child, h.guest = profile("Child", hearth.RoleChild, h.adult), profile("Guest", hearth.RoleGuest, "")
	must(t, in.store.CreateDevice(ctx, &hearth.Device{ID: h.device, Model: "ember-t1", HouseholdID: h.hh,
		CredentialHash: []byte("x"), Firmware: "1", Mode: hearth.ModeCloud, Created: in.now, Claimed: in.now}))
	return h
}

// categories are every category of the thermostat manifest.
var categories = []string{"room-temperature", "humidity", "setpoint", "occupancy", "home-area", "device-health"}

// conformingValues returns values of the category's declared shape in the
// thermostat manifest (an import stores nothing undeclared: MIN-GATE), with
// escapes and non-ASCII text where a string field allows them.
func conformingValues(cat string, i int, person string) string {
	note := fmt.Sprintf(`%s caf\u00e9 \"quoted\" <tag> %d`, person, i)
	switch cat {
	case "room-temperature":
		return fmt.Sprintf(`{"celsius":%d.5}`, 15+i%10)
	case "humidity":
		return fmt.Sprintf(`{"percent":%d}`, 30+i%50)
	case "setpoint":
		return fmt.Sprintf(`{"celsius":%d,"source":"%s"}`, 18+i%5, note)
	case "occupancy":
		return fmt.Sprintf(`{"occupied":%t}`, i%2 == 0)
	case "home-area":
		return `{"lat":53.8,"lon":-1.55,"precision":"city"}`
	}
	return fmt.Sprintf(`{"battery_percent":%d,"rssi_dbm":-%d,"firmware":"%s"}`, 100-i%100, 40+i%50, note)
}

// addReadings stores n readings about person in every category, sealed as
// ingestion seals them, and returns their plaintext values by message ID.
func (in *instance) addReadings(t testing.TB, h *home, person string, n int) map[string]string {
	t.Helper()
	want := map[string]string{}
	var rs []hearth.Reading
	for i := range n {
		cat := categories[i%len(categories)]
		msg := fmt.Sprintf("%s-%d", person, i)
		values := conformingValues(cat, i, person)
		r := hearth.Reading{DeviceID: h.device, HouseholdID: h.hh, PersonID: person, Category: cat, MsgID: msg,
			Time: in.now.Add(-time.Duration(i) * time.Minute), Received: in.now, Inferred: i%5 == 0, Disputed: i%7 == 3}
		var err error
		if r.Sealed, err = in.keys.Seal(t.Context(), person, []byte(values), r.AAD()); err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
		want[msg] = values
	}
	if _, err := in.store.InsertReadings(t.Context(), rs); err != nil {
		t.Fatal(err)
	}
	return want
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// write exports person and returns the archive's bytes.
func (in *instance) write(t testing.TB, person string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := in.export.Write(t.Context(), &buf, person, nil); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

// readingsIn returns the values of every reading in an export, by message
// ID, checking each one's flags.
func readingsIn(t *testing.T, data []byte) map[string]string {
	t.Helper()
	a, err := export.Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	got := map[string]string{}
	err = a.EachReading(func(cat string, r *export.ReadingRecord) error {
		got[r.MsgID] = string(r.Values)
		if r.Inferred != (r.Source != "") {
			t.Errorf("reading %s: inferred %v with source %q: an inference must name its source (ACCURACY-INFERRED)", r.MsgID, r.Inferred, r.Source)
		}
		return nil
	})
	must(t, err)
	return got
}

// TestExportHoldsEveryReadingAndNoneOfOthers: RIGHT-ACCESS: every stored
// reading in every category, byte-equal after decryption, withheld ones
// included; RIGHT-ACCESS-OTHERS: none of another member's.
func TestExportHoldsEveryReadingAndNoneOfOthers(t *testing.T) {
	in := newInstance(t, "alpha")
	h := in.newHome(t)
	want := in.addReadings(t, h, h.adult, 40)
	others := in.addReadings(t, h, h.owner, 12)
	data := in.write(t, h.adult)
	got := readingsIn(t, data)
	if len(got) != len(want) {
		t.Errorf("export holds %d readings, want %d", len(got), len(want))
	}
	for msg, v := range want {
		if got[msg] != v {
			t.Errorf("reading %s: values %q, want byte-equal %q", msg, got[msg], v)
		}
	}
	for msg, v := range others {
		if bytes.Contains(data, []byte(msg)) || bytes.Contains(data, []byte(h.owner)) {
			t.Errorf("the export holds the owner's reading %s (%s)", msg, v)
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	for _, cat := range categories {
		for _, ext := range []string{".jsonl", ".csv"} {
			if !names["readings/"+cat+ext] {
				t.Errorf("no readings/%s%s in the export", cat, ext)
			}
		}
	}
	for _, f := range []string{"index.html", "profile.json", "settings.json", "consents/ledger.jsonl",
		"consents/receipts.json", "notices-shown.json", "notifications.jsonl", "processing.json", "export.json", "connected-clients.json", "accesses.jsonl"} {
		if !names[f] {
			t.Errorf("no %s in the export", f)
		}
	}
}

// TestExportCSVMatchesJSONLines: the CSV of a category holds the same
// readings as its JSON Lines file.
func TestExportCSVMatchesJSONLines(t *testing.T) {
	in := newInstance(t, "alpha")
	h := in.newHome(t)
	in.addReadings(t, h, h.guest, 12)
	data := in.write(t, h.guest)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".csv") {
			continue
		}
		rc, err := f.Open()
		must(t, err)
		b, err := io.ReadAll(rc)
		must(t, err)
		rc.Close()
		if lines := strings.Count(string(b), "\n"); lines != 3 { // header + 2 readings per category
			t.Errorf("%s has %d lines, want 3:\n%s", f.Name, lines, b)
		}
	}
}

// TestExportHoldsRequestStatements: a rights request's statement, in the
// person's own words and sealed with their key, is in their export opened
// (RIGHT-ACCESS, RIGHT-REQUESTS).
func TestExportHoldsRequestStatements(t *testing.T) {
	in := newInstance(t, "alpha")
	h := in.newHome(t)
	r := &hearth.RightsRequest{ID: hearth.NewID("rr_"), PersonID: h.adult, HouseholdID: h.hh, Type: hearth.RequestADMOptOut,
		RequestedBy: h.adult, IdentityCheck: "reauthenticated", Status: hearth.StatusReceived,
		Created: in.now, Deadline: in.now.AddDate(0, 1, 0)}
	const view = "I was at home that week, caf\u00e9 \"quoted\""
	var err error
	// The statement is sealed as package rights seals it (rights.Service.Open).
	r.Statement, err = in.keys.Seal(t.Context(), h.adult, []byte(view), []byte("rights-request\x00statement\x00"+r.ID))
	must(t, err)
	must(t, in.store.CreateRightsRequest(t.Context(), r))
	data := in.write(t, h.adult)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	f, err := zr.Open("rights-requests.json")
	must(t, err)
	var recs []export.RequestRecord
	must(t, json.NewDecoder(f).Decode(&recs))
	if len(recs) == 0 || recs[len(recs)-1].Statement != view && recs[0].Statement != view {
		t.Errorf("rights-requests.json = %+v, want the request with its statement %q", recs, view)
	}
}
