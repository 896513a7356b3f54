package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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

// metaFile records what the generated store holds, so a later run with the
// same sizes reuses it.
const metaFile = "bench-meta.json"

// storeMeta describes a generated store.
type storeMeta struct {
	Total      int           `json:"total"`
	PersonRows int           `json:"person_rows"`
	SmallRows  int           `json:"small_rows"`
	Household  string        `json:"household"`
	Device     string        `json:"device"`
	Person     string        `json:"person"` // person A: PersonRows readings
	Small      string        `json:"small"`  // person B: SmallRows readings
	Others     []string      `json:"others"`
	Generated  time.Duration `json:"generated"`
}

// fillerPeople share the readings that are neither A's nor B's.
const fillerPeople = 98

// categories are the thermostat's device categories the readings rotate through.
var categories = []string{"room-temperature", "humidity", "setpoint", "occupancy", "device-health"}

// kekPath is the key-encryption key of the generated store, beside it.
func kekPath(dir string) string { return filepath.Clean(dir) + ".kek" }

// ensureStore reuses the store in c.Dir if it was generated with the same
// sizes, and generates it otherwise (removing any other store there).
func ensureStore(ctx context.Context, c config, log io.Writer) (*storeMeta, error) {
	b, err := os.ReadFile(filepath.Join(c.Dir, metaFile))
	if err == nil {
		var m storeMeta
		if err := json.Unmarshal(b, &m); err == nil && m.Total == c.Total && m.PersonRows == c.Person && m.SmallRows == c.Small {
			fmt.Fprintf(log, "reusing the store in %s (generated in %s)\n", c.Dir, m.Generated.Round(time.Second))
			return &m, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if c.Person+c.Small > c.Total {
		return nil, fmt.Errorf("-person plus -small is more than -total")
	}
	for _, p := range []string{c.Dir, kekPath(c.Dir)} {
		if err := os.RemoveAll(p); err != nil {
			return nil, err
		}
	}
	return generate(ctx, c, log)
}

// generate creates the people and writes the readings: A's and B's sealed
// properly (the export opens them), everyone else's with a random blob of
// the same size, since nothing opens them. Rows are spread so that A's and
// B's readings are interleaved with the others' throughout the table.
func generate(ctx context.Context, c config, log io.Writer) (*storeMeta, error) {
	start := time.Now()
	s, err := openBenchStore(c.Dir)
	if err != nil {
		return nil, err
	}
	defer s.close()
	m := &storeMeta{Total: c.Total, PersonRows: c.Person, SmallRows: c.Small}
	if err := s.people(ctx, m); err != nil {
		return nil, err
	}
	if err := s.readings(ctx, m, log); err != nil {
		return nil, err
	}
	m.Generated = time.Since(start)
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(c.Dir, metaFile), b, 0o600); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "generated %d readings in %s\n", c.Total, m.Generated.Round(time.Second))
	return m, nil
}

// people creates the household, its owner, A, B, the filler people and the device.
func (s *benchStore) people(ctx context.Context, m *storeMeta) error {
	now := time.Now().UTC()
	owner := &hearth.Person{ID: hearth.NewID("p_"), DisplayName: "Owner", Created: now}
	acc := &hearth.Account{ID: hearth.NewID("a_"), Email: "owner@bench.example", PasswordHash: "x", PersonID: owner.ID, Created: now}
	owner.AccountID = acc.ID
	if err := s.store.CreateAccount(ctx, acc, owner); err != nil {
		return err
	}
	m.Household = hearth.NewID("hh_")
	if err := s.store.CreateHousehold(ctx, &hearth.Household{ID: m.Household, Name: "Bench", Created: now},
		&hearth.Member{HouseholdID: m.Household, PersonID: owner.ID, Role: hearth.RoleOwner, Added: now}); err != nil {
		return err
	}
	profile := func(name string) (string, error) {
		p := &hearth.Person{ID: hearth.NewID("p_"), HouseholdID: m.Household, DisplayName: name, Created: now}
		return p.ID, s.store.CreatePerson(ctx, p, &hearth.Member{HouseholdID: m.Household, PersonID: p.ID, Role: hearth.RoleGuest, Added: now})
	}
	var err error
	if m.Person, err = profile("Person A"); err != nil {
		return err
	}
	if m.Small, err = profile("Person B"); err != nil {
		return err
	}
	for i := range fillerPeople {
		id, err := profile(fmt.Sprintf("Filler %d", i))
		if err != nil {
			return err
		}
		m.Others = append(m.Others, id)
	}
	m.Device = hearth.NewID("dev_")
	return s.store.CreateDevice(ctx, &hearth.Device{ID: m.Device, Model: "ember-t1", HouseholdID: m.Household,
		CredentialHash: []byte("bench"), Firmware: "1.0.0", Mode: hearth.ModeCloud, Created: now, Claimed: now})
}

// genBatch is how many rows one generating transaction inserts.
const genBatch = 50_000

// readings inserts the readings with batched INSERTs on a connection of
// its own, with synchronous=OFF: the store is a benchmark fixture, rebuilt
// if a crash leaves it damaged.
func (s *benchStore) readings(ctx context.Context, m *storeMeta, log io.Writer) error {
	db, err := sql.Open("sqlite", filepath.Join(s.dir, sqlite.DataFile)+"?_pragma=synchronous(OFF)&_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	filler := make([]byte, 70)
	rand.Read(filler)
	strideA, strideB := m.Total/max(m.PersonRows, 1), m.Total/max(m.SmallRows, 1)
	base := time.Now().Add(-30 * 24 * time.Hour).UTC()
	var a, b int
	for from := 0; from < m.Total; from += genBatch {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO readings (device_id, household_id, person_id, category, msg_id, time, received, inferred, sealed)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		for i := from; i < min(from+genBatch, m.Total); i++ {
			r := hearth.Reading{DeviceID: m.Device, HouseholdID: m.Household, Category: categories[i%len(categories)],
				MsgID: fmt.Sprintf("m%010d", i), Time: base.Add(time.Duration(i) * 100 * time.Millisecond), Inferred: i%50 == 0}
			r.Received = r.Time.Add(time.Second)
			switch {
			case a < m.PersonRows && i%strideA == 0:
				r.PersonID, a = m.Person, a+1
			case b < m.SmallRows && i%strideB == 1:
				r.PersonID, b = m.Small, b+1
			default:
				r.PersonID, r.Sealed = m.Others[i%len(m.Others)], filler
			}
			if r.Sealed == nil {
				values := fmt.Appendf(nil, `{"celsius":%d.%d,"sensor":"hall"}`, 15+i%10, i%10)
				if r.Sealed, err = s.keys.Seal(ctx, r.PersonID, values, r.AAD()); err != nil {
					return err
				}
			}
			if _, err := stmt.ExecContext(ctx, r.DeviceID, r.HouseholdID, r.PersonID, r.Category, r.MsgID,
				r.Time.UnixNano(), r.Received.UnixNano(), r.Inferred, r.Sealed); err != nil {
				return err
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			return err
		}
		fmt.Fprintf(log, "\rgenerated %d of %d readings", min(from+genBatch, m.Total), m.Total)
	}
	fmt.Fprintln(log)
	if a != m.PersonRows || b != m.SmallRows {
		return fmt.Errorf("generated %d and %d readings for A and B, want %d and %d", a, b, m.PersonRows, m.SmallRows)
	}
	if _, err = db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return err
	}
	// The rows went in beside the adapter: their keys into reading_keys,
	// so that the first ingestion does not have to catch up with them.
	return s.db.MergeReadingKeys(ctx)
}

// benchStore is the generated store with the services on top, wired as
// cmd/hearth wires them.
type benchStore struct {
	dir    string
	db     *sqlite.DB
	keys   *seal.Keyring
	store  *sealstore.Store
	export *export.Service
}

// openBenchStore opens (creating if needed) the store in dir.
func openBenchStore(dir string) (*benchStore, error) {
	db, err := sqlite.Open(dir)
	if err != nil {
		return nil, err
	}
	kek, err := seal.LoadOrCreateKEK(kekPath(dir))
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &benchStore{dir: dir, db: db, keys: seal.NewKeyring(kek, db)}
	s.store = sealstore.New(db, s.keys)
	if s.export, err = newExport(s); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// newExport wires the export service on the thermostat manifest.
func newExport(s *benchStore) (*export.Service, error) {
	m, err := manifest.Parse(examples.ThermostatName, bytes.Clone(examples.Thermostat))
	if err != nil {
		return nil, err
	}
	eng, err := policy.Compile(m)
	if err != nil {
		return nil, err
	}
	cons, err := consent.NewService(consent.Config{Store: s.store, Ledger: ledger.New(s.store, nil), Manifest: m, Policy: eng})
	if err != nil {
		return nil, err
	}
	rs, err := rights.NewService(rights.Config{Store: s.store, Auth: auth.NewService(auth.Config{Store: s.store})})
	if err != nil {
		return nil, err
	}
	return export.New(export.Config{Store: s.store, Keys: s.keys, Manifest: m, Policy: eng, Consents: cons, Rights: rs,
		Instance: "bench"})
}

func (s *benchStore) close() { s.db.Close() }
