package sealstore_test

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/seal"
	"github.com/hearth-iot/hearth/sealstore"
	"github.com/hearth-iot/hearth/sqlite"
	"github.com/hearth-iot/hearth/storetest"
)

// env is a sealing store over real SQLite files in dir.
type env struct {
	dir   string
	db    *sqlite.DB
	keys  *seal.Keyring
	store *sealstore.Store
}

// openEnv opens the store in dir with kek; it is closed when the test ends
// unless closed before.
func openEnv(t *testing.T, dir string, kek *seal.KEK) *env {
	t.Helper()
	db, err := sqlite.Open(dir)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	keys := seal.NewKeyring(kek, db)
	return &env{dir: dir, db: db, keys: keys, store: sealstore.New(db, keys)}
}

func newKEK(t *testing.T) *seal.KEK {
	t.Helper()
	b := make([]byte, 32)
	rand.Read(b)
	k, err := seal.NewKEK(b)
	if err != nil {
		t.Fatalf("NewKEK: %v", err)
	}
	return k
}

// TestContract runs the store contract suite through the decorator over
// SQLite: sealing is transparent to every service (SEC-ENCRYPT).
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) hearth.Store {
		db, err := sqlite.Open(t.TempDir())
		if err != nil {
			t.Fatalf("sqlite.Open: %v", err)
		}
		return sealstore.New(db, seal.NewKeyring(newKEK(t), db))
	})
}

// markers are planted in every personal field by plant.
const (
	mEmail    = "Marker.Email.5e1f@Example.ORG"
	mName     = "MarkerName-9c2d"
	mProfile  = "MarkerProfile-41aa"
	mHome     = "MarkerHome-b7e0"
	mFeature  = "marker-feature-77f1"
	mPurpose  = "marker-purpose-03c9"
	mTitle    = "MarkerTitle-6d3b"
	mBody     = "MarkerBody-a8f2"
	mLocation = "marker-granularity-2b"
	mTOTP     = "MARKERTOTPSECRET7Q"
)

// planted is what plant stored.
type planted struct {
	acct    hearth.Account
	person  hearth.Person
	profile hearth.Person
	home    hearth.Household
	note    hearth.Notification
	set     hearth.PersonSettings
}

// plant stores an account, a household with a profile, settings and a
// notification, each carrying a marker.
func plant(t *testing.T, s hearth.Store) *planted {
	t.Helper()
	ctx, now := t.Context(), time.Now().UTC().Truncate(time.Millisecond)
	p := &planted{}
	p.person = hearth.Person{ID: hearth.NewID("per_"), DisplayName: mName, Created: now}
	p.acct = hearth.Account{ID: hearth.NewID("acc_"), Email: mEmail, PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
		PersonID: p.person.ID, Created: now}
	p.person.AccountID = p.acct.ID
	must(t, "CreateAccount", s.CreateAccount(ctx, &p.acct, &p.person))
	p.home = hearth.Household{ID: hearth.NewID("hh_"), Name: mHome, Created: now}
	must(t, "CreateHousehold", s.CreateHousehold(ctx, &p.home,
		&hearth.Member{HouseholdID: p.home.ID, PersonID: p.person.ID, Role: hearth.RoleOwner, Added: now}))
	p.profile = hearth.Person{ID: hearth.NewID("per_"), HouseholdID: p.home.ID, DisplayName: mProfile, Created: now}
	must(t, "CreatePerson", s.CreatePerson(ctx, &p.profile,
		&hearth.Member{HouseholdID: p.home.ID, PersonID: p.profile.ID, Role: hearth.RoleChild, GuardianID: p.person.ID, Added: now}))
	p.set = hearth.PersonSettings{PersonID: p.person.ID, Features: []string{mFeature}, Purposes: []string{mPurpose},
		Location: mLocation, FeatureLocation: map[string]string{mFeature: mLocation}, Updated: now}
	must(t, "PutSettings", s.PutSettings(ctx, &p.set))
	p.note = hearth.Notification{ID: hearth.NewID("ntf_"), PersonID: p.person.ID, HouseholdID: p.home.ID,
		Kind: hearth.NotifyConsentNeeded, Title: mTitle, Body: mBody, Created: now}
	must(t, "AddNotifications", s.AddNotifications(ctx, []hearth.Notification{p.note}))
	must(t, "PutTOTP", s.PutTOTP(ctx, &hearth.TOTP{AccountID: p.acct.ID, Secret: mTOTP, Created: now}))
	return p
}

// SEC-ENCRYPT, RIGHT-ERASE: no personal field reaches hearth.db or its
// write-ahead log in clear, in any letter case, while the store is open and
// after it is closed; the blind-index key is not in hearth.db either.
func TestNothingInClear(t *testing.T) {
	e := openEnv(t, t.TempDir(), newKEK(t))
	plant(t, e.store)
	markers := []string{strings.ToLower(mEmail), mEmail, "marker.email", mName, mProfile, mHome, mFeature, mPurpose, mTitle, mBody, mLocation, mTOTP}
	scan(t, e.dir, markers)
	if err := e.db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	scan(t, e.dir, markers)
}

// scan fails if hearth.db or its WAL holds a marker, in any letter case.
func scan(t *testing.T, dir string, markers []string) {
	t.Helper()
	for _, f := range []string{sqlite.DataFile, sqlite.DataFile + "-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		b = bytes.ToLower(b)
		for _, m := range markers {
			if bytes.Contains(b, []byte(strings.ToLower(m))) {
				t.Errorf("%s holds %q in clear", f, m)
			}
		}
	}
}

// SEC-ENCRYPT: every field reads back as written; the address is found in
// any letter case after a restart (the blind-index key persists in
// keys.db), stays unique, and the wrapped store holds only its index.
func TestRoundTripAndLookup(t *testing.T) {
	dir, kek := t.TempDir(), newKEK(t)
	e := openEnv(t, dir, kek)
	p := plant(t, e.store)
	raw, err := e.db.Account(t.Context(), p.acct.ID)
	must(t, "raw Account", err)
	if len(raw.Email) != 64 || strings.Contains(string(raw.Email), "@") || len(raw.SealedEmail) == 0 {
		t.Errorf("stored account email = %q, sealed %d bytes; want a 64-hex blind index and a sealed address", raw.Email, len(raw.SealedEmail))
	}
	e.db.Close()

	e = openEnv(t, dir, kek) // a restarted server
	ctx := t.Context()
	for _, addr := range []hearth.Email{mEmail, hearth.Email(strings.ToUpper(mEmail)), hearth.Email(strings.ToLower(mEmail))} {
		a, err := e.store.AccountByEmail(ctx, addr)
		must(t, "AccountByEmail "+string(addr), err)
		if a.ID != p.acct.ID || a.Email != hearth.Email(strings.ToLower(mEmail)) || a.SealedEmail != nil {
			t.Errorf("AccountByEmail(%s) = %s %q, want %s %q", addr, a.ID, a.Email, p.acct.ID, strings.ToLower(mEmail))
		}
	}
	dup := hearth.Person{ID: hearth.NewID("per_"), DisplayName: "Dup", Created: time.Now()}
	dupA := hearth.Account{ID: hearth.NewID("acc_"), Email: hearth.Email(strings.ToUpper(mEmail)), PersonID: dup.ID, Created: dup.Created}
	if err := e.store.CreateAccount(ctx, &dupA, &dup); hearth.ErrorCode(err) != hearth.ECONFLICT {
		t.Errorf("CreateAccount with the address in another case: %v, want ECONFLICT", err)
	}
	if _, err := e.db.Key(ctx, dup.ID); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("data key of the refused person: %v, want ENOTFOUND (none stored)", err)
	}
	got, err := e.store.Person(ctx, p.profile.ID)
	must(t, "Person", err)
	if got.DisplayName != mProfile {
		t.Errorf("profile DisplayName = %q, want %q", got.DisplayName, mProfile)
	}
	hs, err := e.store.HouseholdsOf(ctx, p.person.ID)
	must(t, "HouseholdsOf", err)
	if len(hs) != 1 || hs[0].Name != mHome {
		t.Errorf("HouseholdsOf = %+v, want one named %q", hs, mHome)
	}
	set, err := e.store.Settings(ctx, p.person.ID)
	must(t, "Settings", err)
	if set.Location != mLocation || len(set.Features) != 1 || set.Features[0] != mFeature || set.FeatureLocation[mFeature] != mLocation || set.Sealed != nil {
		t.Errorf("Settings = %+v, want %+v", set, p.set)
	}
	ns, err := e.store.Notifications(ctx, p.person.ID, "", 0)
	must(t, "Notifications", err)
	if len(ns) != 1 || ns[0].Title != mTitle || ns[0].Body != mBody {
		t.Errorf("Notifications = %+v, want one with %q, %q", ns, mTitle, mBody)
	}
}

// RIGHT-ERASE: once a person's data key is destroyed, every personal field
// of theirs fails to open with ENOTFOUND (erased), cleanly; lists of
// several subjects show the erased one with empty fields; the other
// people's fields still open.
func TestShred(t *testing.T) {
	e := openEnv(t, t.TempDir(), newKEK(t))
	p := plant(t, e.store)
	ctx := t.Context()
	must(t, "Shred person", e.keys.Shred(ctx, p.person.ID))
	must(t, "Shred household", e.keys.Shred(ctx, p.home.ID))
	checks := []struct {
		name string
		err  error
	}{
		{"Account", second(e.store.Account(ctx, p.acct.ID))},
		{"AccountByEmail", second(e.store.AccountByEmail(ctx, mEmail))},
		{"Person", second(e.store.Person(ctx, p.person.ID))},
		{"Household", second(e.store.Household(ctx, p.home.ID))},
		{"Settings", second(e.store.Settings(ctx, p.person.ID))},
		{"Notifications", second(e.store.Notifications(ctx, p.person.ID, "", 0))},
		{"TOTP", second(e.store.TOTP(ctx, p.acct.ID))},
	}
	for _, c := range checks {
		if hearth.ErrorCode(c.err) != hearth.ENOTFOUND || !strings.Contains(hearth.ErrorMessage(c.err), "erased") {
			t.Errorf("%s after Shred: %v, want ENOTFOUND saying erased", c.name, c.err)
		}
	}
	as, err := e.store.EveryAccount(ctx, "", 0)
	must(t, "EveryAccount", err)
	if len(as) != 1 || as[0].ID != p.acct.ID || as[0].Email != "" {
		t.Errorf("EveryAccount = %+v, want the account with an empty address", as)
	}
	hs, err := e.store.HouseholdsOf(ctx, p.profile.ID)
	must(t, "HouseholdsOf", err)
	if len(hs) != 1 || hs[0].Name != "" {
		t.Errorf("HouseholdsOf = %+v, want the household with an empty name", hs)
	}
	prof, err := e.store.Person(ctx, p.profile.ID) // another person: unaffected
	must(t, "Person of the profile", err)
	if prof.DisplayName != mProfile {
		t.Errorf("profile DisplayName = %q, want %q", prof.DisplayName, mProfile)
	}
}

func second[T any](_ T, err error) error { return err }

// SEC-ENCRYPT: a sealed value is bound to its row: copied into another
// person's or account's row it fails to open (EINVALID), and the second
// row never shows the first's value.
func TestRowBinding(t *testing.T) {
	dir, kek := t.TempDir(), newKEK(t)
	e := openEnv(t, dir, kek)
	a := plant(t, e.store)
	ctx, now := t.Context(), time.Now().UTC()
	b := hearth.Person{ID: hearth.NewID("per_"), DisplayName: "Other", Created: now}
	ba := hearth.Account{ID: hearth.NewID("acc_"), Email: "other@example.org", PersonID: b.ID, Created: now}
	b.AccountID = ba.ID
	must(t, "CreateAccount", e.store.CreateAccount(ctx, &ba, &b))
	must(t, "PutSettings", e.store.PutSettings(ctx, &hearth.PersonSettings{PersonID: b.ID, Updated: now}))
	e.db.Close()

	raw, err := sql.Open("sqlite", filepath.Join(dir, sqlite.DataFile))
	if err != nil {
		t.Fatalf("open hearth.db: %v", err)
	}
	for _, q := range []string{
		"UPDATE persons SET display_name = (SELECT display_name FROM persons WHERE id = ?1) WHERE id = ?2",
		"UPDATE accounts SET email_sealed = (SELECT email_sealed FROM accounts WHERE person_id = ?1) WHERE person_id = ?2",
		"UPDATE settings SET sealed = (SELECT sealed FROM settings WHERE person_id = ?1) WHERE person_id = ?2",
	} {
		if _, err := raw.Exec(q, a.person.ID, b.ID); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	e = openEnv(t, dir, kek)
	checks := []struct {
		name string
		err  error
	}{
		{"Person", second(e.store.Person(ctx, b.ID))},
		{"Account", second(e.store.Account(ctx, ba.ID))},
		{"Settings", second(e.store.Settings(ctx, b.ID))},
	}
	for _, c := range checks {
		if hearth.ErrorCode(c.err) != hearth.EINVALID {
			t.Errorf("%s with another row's sealed value: %v, want EINVALID", c.name, c.err)
		}
	}
	if _, err := e.store.Person(ctx, a.person.ID); err != nil {
		t.Errorf("Person of the original row: %v", err)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// SEC-ENCRYPT, RIGHT-ERASE: ReplaceSettings seals like PutSettings (nothing
// in clear, the wrapped store keeps only PersonID, Updated and Sealed);
// settings left sealed with a destroyed key count as none stored, so they
// can be replaced from the defaults; readable ones cannot be replaced as
// if none were stored (ECONFLICT).
func TestReplaceSettings(t *testing.T) {
	const marker = "marker-replaced-5d0e"
	e := openEnv(t, t.TempDir(), newKEK(t))
	p := plant(t, e.store)
	ctx := t.Context()
	old, err := e.store.Settings(ctx, p.person.ID)
	must(t, "Settings", err)
	next := hearth.PersonSettings{PersonID: p.person.ID, Features: []string{marker}, Restricted: []string{marker},
		Updated: old.Updated.Add(time.Second)}
	must(t, "ReplaceSettings", e.store.ReplaceSettings(ctx, old, &next))
	raw, err := e.db.Settings(ctx, p.person.ID)
	must(t, "raw Settings", err)
	if len(raw.Features) != 0 || len(raw.Restricted) != 0 || len(raw.Sealed) == 0 || !raw.Updated.Equal(next.Updated) {
		t.Errorf("stored settings = %+v; want only Updated %v and a sealed body", raw, next.Updated)
	}
	got, err := e.store.Settings(ctx, p.person.ID)
	must(t, "Settings", err)
	if !slices.Equal(got.Features, next.Features) || !slices.Equal(got.Restricted, next.Restricted) {
		t.Errorf("Settings = %+v, want %+v", got, next)
	}
	scan(t, e.dir, []string{marker})

	must(t, "Shred", e.keys.Shred(ctx, p.person.ID))
	if _, err := e.store.Settings(ctx, p.person.ID); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Fatalf("Settings after Shred: %v, want ENOTFOUND", err)
	}
	fresh := hearth.PersonSettings{PersonID: p.person.ID, Features: []string{"maps"}, Updated: next.Updated.Add(time.Second)}
	must(t, "ReplaceSettings over erased settings", e.store.ReplaceSettings(ctx, nil, &fresh))
	got, err = e.store.Settings(ctx, p.person.ID)
	must(t, "Settings after replacing erased ones", err)
	if !slices.Equal(got.Features, fresh.Features) {
		t.Errorf("Settings = %+v, want %+v", got, fresh)
	}
	again := hearth.PersonSettings{PersonID: p.person.ID, Updated: fresh.Updated.Add(time.Second)}
	if err := e.store.ReplaceSettings(ctx, nil, &again); hearth.ErrorCode(err) != hearth.ECONFLICT {
		t.Errorf("ReplaceSettings over none when readable ones are stored: %v, want ECONFLICT", err)
	}
}
