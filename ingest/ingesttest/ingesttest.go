// Package ingesttest provisions what ingestion tests need in a real store:
// a manifest, a keyring, a household with people, and claimed devices with
// their secrets. It takes any hearth.Store, so tests choose the adapter.
package ingesttest

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/seal"
)

// ManifestYAML declares model "thermo" producing temperature and presence,
// whose values are {"v": a string}, and a category "location" that no
// model lists. Its one purpose is core, so the gate admits every
// well-formed reading of a member: what BenchmarkIngest measures.
const ManifestYAML = `format: 1
version: "test-1"
controller:
  name: Hearth Test Ltd
models:
  - id: thermo
    support_end: "2031-12-31"
    categories: [temperature, presence]
categories:
  - id: temperature
    kind: technical
    retention: 30d
    values: [{field: v, type: string}]
  - id: presence
    kind: personal
    retention: 7d
    values: [{field: v, type: string}]
  - id: location
    kind: location
    retention: 1d
purposes:
  - id: heating
    basis: contract
    core: true
    categories: [temperature, presence]
`

// Fixture is a provisioned household in a store.
type Fixture struct {
	Store     hearth.Store
	Keys      *seal.Keyring
	Manifest  *manifest.Manifest
	Household string // household ID
	Owner     string // person ID of the owner (an account holder)
	Member    string // person ID of a member without an account
	Stranger  string // person ID of a person in another household
}

// Provision creates a household with an owner and a member, a second
// household with one person, a KEK in t.TempDir() and a keyring on store.
func Provision(t testing.TB, store hearth.Store) *Fixture {
	t.Helper()
	m, err := manifest.Parse("test.yaml", []byte(ManifestYAML))
	if err != nil {
		t.Fatalf("parse test manifest: %v", err)
	}
	kek, err := seal.LoadOrCreateKEK(filepath.Join(t.TempDir(), "kek"))
	if err != nil {
		t.Fatalf("create KEK: %v", err)
	}
	f := &Fixture{Store: store, Keys: seal.NewKeyring(kek, store), Manifest: m}
	f.Household, f.Owner = household(t, store, "home")
	f.Member = person(t, store, f.Household)
	_, f.Stranger = household(t, store, "elsewhere")
	return f
}

func household(t testing.TB, store hearth.Store, name string) (hh, owner string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	p := &hearth.Person{ID: hearth.NewID("p_"), DisplayName: "Owner", Created: now}
	a := &hearth.Account{ID: hearth.NewID("a_"), Email: hearth.Email(p.ID + "@example.test"),
		PasswordHash: "x", PersonID: p.ID, Created: now}
	p.AccountID = a.ID
	if err := store.CreateAccount(ctx, a, p); err != nil {
		t.Fatalf("create account: %v", err)
	}
	h := &hearth.Household{ID: hearth.NewID("hh_"), Name: name, Created: now}
	if err := store.CreateHousehold(ctx, h, &hearth.Member{HouseholdID: h.ID, PersonID: p.ID, Role: hearth.RoleOwner, Added: now}); err != nil {
		t.Fatalf("create household: %v", err)
	}
	return h.ID, p.ID
}

func person(t testing.TB, store hearth.Store, hh string) string {
	t.Helper()
	now := time.Now().UTC()
	p := &hearth.Person{ID: hearth.NewID("p_"), HouseholdID: hh, DisplayName: "Member", Created: now}
	m := &hearth.Member{HouseholdID: hh, PersonID: p.ID, Role: hearth.RoleAdult, Added: now}
	if err := store.CreatePerson(context.Background(), p, m); err != nil {
		t.Fatalf("create person: %v", err)
	}
	return p.ID
}

// Device creates a device of model "thermo" claimed by the fixture's
// household (or unclaimed when claimed is false) in mode, and returns it
// with its secret.
func (f *Fixture) Device(t testing.TB, claimed bool, mode hearth.DeviceMode) (*hearth.Device, string) {
	t.Helper()
	secret, hash := auth.NewDeviceSecret()
	now := time.Now().UTC()
	d := &hearth.Device{ID: hearth.NewID("dev_"), Model: "thermo", CredentialHash: hash,
		Firmware: "1.0.0", Mode: mode, Created: now}
	if claimed {
		d.HouseholdID, d.Claimed = f.Household, now
	}
	if err := f.Store.CreateDevice(context.Background(), d); err != nil {
		t.Fatalf("create device: %v", err)
	}
	return d, secret
}

// Payload returns a reading payload with message ID id, the given category
// and person ("" for none), and values {"v": id}.
func Payload(id, category, person string) []byte {
	p := ""
	if person != "" {
		p = fmt.Sprintf(`,"person":%q`, person)
	}
	return fmt.Appendf(nil, `{"id":%q,"time":%q,"category":%q%s,"values":{"v":%q}}`,
		id, time.Now().UTC().Format(time.RFC3339Nano), category, p, id)
}
