package main

import (
	"context"
	"fmt"
	"github.com/hearth-iot/hearth/analytics"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/audit"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/events"
	"github.com/hearth-iot/hearth/export"
	"github.com/hearth-iot/hearth/firmware/updates"
	"github.com/hearth-iot/hearth/household"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/metrics"
	"github.com/hearth-iot/hearth/postgres"
	"github.com/hearth-iot/hearth/rights"
	"github.com/hearth-iot/hearth/seal"
	"github.com/hearth-iot/hearth/sealstore"
)

// core is what every command that touches the store needs: the store, the
// keyring and the services on top of them.
type core struct {
	manifest *manifest.Manifest
	// store is what every service uses: the SQLite or PostgreSQL store
	// behind the sealing decorator, so personal fields reach the data
	// database only sealed (SEC-ENCRYPT). Use db only to close it.
	store *sealstore.Store
	db    hearth.Store
	// pg is the PostgreSQL store when there is one (nil on SQLite): what
	// several nodes share their bus and leases through.
	pg *postgres.DB
	// cluster tells the other nodes on the same PostgreSQL store what they
	// must act on or forget; nil on SQLite (cluster.go).
	cluster    *cluster
	keys       *seal.Keyring
	metrics    *metrics.Metrics
	auth       *auth.Service
	households *household.Service
	privacy    *privacy // policy, consents and subjects
	exports    *export.Service
	rights     *rights.Service
	updates    *updates.Service // firmware updates and support periods
	// audit appends to the audit log (package audit): the HTTP server's
	// accesses and the operator commands' administrative actions.
	audit *audit.Logger
	// analytics answers operators' differentially private queries
	// (PET-DP; analytics.go).
	analytics *analytics.Service
	// disconnect ends a device's broker session after its credential
	// changes; set once the broker runs (nil in commands without one).
	disconnect atomic.Pointer[func(deviceID string) bool]
	// commander sends commands to connected devices once the broker runs;
	// before that (and in commands without a broker) nobody is connected.
	commander lateCommander
	// events takes the events devices report over MQTT and HTTP; services
	// register a handler for each type they handle.
	events *events.Dispatcher
}

// openCore finds the key-encryption key file (refusing one inside the data
// directory), opens the store (SQLite in the data directory, created with
// mode 0700 if needed, or the PostgreSQL databases of --store) and loads
// the key-encryption key: it creates a new key only for a store without
// keys, and refuses a missing or wrong key file. On PostgreSQL it joins the
// cluster of nodes on the same store, to publish (the server also listens:
// cluster.start); log is where the cluster logs (nil: nowhere).
func openCore(cfg serveConfig, m *manifest.Manifest, met *metrics.Metrics, log *slog.Logger) (*core, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	kekPath, err := cfg.keyFile()
	if err != nil {
		return nil, err
	}
	db, pg, err := cfg.openStore(context.Background())
	if err != nil {
		return nil, err
	}
	kek, err := loadKEK(context.Background(), db, pg, cfg, kekPath)
	if err != nil {
		db.Close()
		return nil, err
	}
	cl, err := newCluster(pg, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	var keyStore hearth.KeyStore = db
	var invalidated func(string)
	var trusted func() bool
	if cl != nil {
		keyStore, invalidated, trusted = clusterKeys{KeyStore: db, cl: cl}, cl.subjectInvalidated, cl.trusted
	}
	keys := seal.NewKeyring(kek, keyStore)
	store := sealstore.New(db, keys)
	priv, err := newPrivacy(store, m, invalidated, trusted)
	if err != nil {
		db.Close()
		return nil, err
	}
	if cl != nil {
		cl.subjects, cl.keys, cl.devices = priv.subjects, keys, db
	}
	var passkeys *webauthn.WebAuthn
	if origin := cfg.webauthnOrigin(); origin != "" {
		if passkeys, err = auth.NewWebAuthn(origin, auth.DefaultIssuer); err != nil {
			db.Close()
			return nil, err
		}
	}
	c := &core{
		manifest: m, store: store, db: db, pg: pg, cluster: cl, keys: keys, metrics: met, privacy: priv, events: events.NewDispatcher(),
		auth:  auth.NewService(auth.Config{Store: store, Metrics: met, WebAuthn: passkeys}),
		audit: audit.New(audit.Config{Store: db.AuditLog(), Metrics: met, Logger: log}),
	}
	if c.rights, err = rights.NewService(rights.Config{Store: store, Auth: c.auth,
		Subjects: priv.subjects, Policy: priv.policy, Manifest: m, Keys: keys}); err != nil {
		store.Close()
		return nil, fmt.Errorf("rights service: %w", err)
	}
	c.households = household.NewService(household.Config{
		Store: store, Manifest: m, Opener: keys, CredentialChanged: c.credentialChanged,
		Policy: priv.policy, Subjects: priv.subjects, MembershipChanged: c.membershipChanged,
	})
	if c.updates, err = updates.New(updates.Config{Store: store, Manifest: m, Commander: &c.commander}); err != nil {
		store.Close()
		return nil, fmt.Errorf("updates service: %w", err)
	}
	c.events.Register(hearth.EventFirmware, c.updates)
	if c.exports, err = newExports(c, cfg); err != nil {
		store.Close()
		return nil, err
	}
	if c.analytics, err = analytics.NewService(analytics.Config{Store: store, Manifest: m, Policy: priv.policy,
		Subjects: priv.subjects, Opener: keys}); err != nil {
		store.Close()
		return nil, fmt.Errorf("analytics service: %w", err)
	}
	return c, nil
}

// loadKEK loads the key-encryption key (openKEK). On PostgreSQL, where
// several nodes may start at once on an empty key database, it does so
// under an advisory lock and stores a key wrapped by it (the e-mail blind
// index's) before releasing the lock: a node that follows finds the key
// database naming this key, and refuses a key file with another key, or
// none, instead of creating a second key.
func loadKEK(ctx context.Context, db hearth.Store, pg *postgres.DB, cfg serveConfig, path string) (*seal.KEK, error) {
	if pg == nil {
		return openKEK(ctx, db, cfg, path)
	}
	var kek *seal.KEK
	err := pg.Exclusive(ctx, "key-encryption-key", func() (err error) {
		if kek, err = openKEK(ctx, db, cfg, path); err != nil {
			return err
		}
		if _, err := seal.NewKeyring(kek, db).BlindIndex(ctx, "email"); err != nil {
			return fmt.Errorf("record the key-encryption key in the key database: %w", err)
		}
		return nil
	})
	return kek, err
}

// credentialChanged disconnects a device whose credential was revoked or
// reissued (or whose mode or household changed), here and on every other
// node, so its open session cannot outlive the old credential.
func (c *core) credentialChanged(deviceID string) {
	if f := c.disconnect.Load(); f != nil {
		(*f)(deviceID)
	}
	c.cluster.credentialChanged(deviceID)
}

// membershipChanged drops a person's cached policy subject, the state
// ingestion decides with, after a membership of theirs ends or their role
// changes (householdID is "" for every household), so the change applies to
// their next reading. API calls check memberships in the store.
func (c *core) membershipChanged(householdID, personID string) {
	c.privacy.subjects.Invalidate(personID)
}

// close stops listening to the cluster and closes the store (SQLite
// checkpoints its write-ahead logs).
func (c *core) close(log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.audit.Close(ctx); err != nil {
		log.Error("audit log: entries still queued at shutdown", "err", err)
	}
	c.cluster.close()
	if err := c.db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	log.Info("store closed")
	return nil
}
