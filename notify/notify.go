// Package notify tells people when what Hearth does with their data
// changes, and keeps the terms of service they accepted.
//
// At every start the server calls ManifestLoaded: it compares the manifest
// it enforces with the one recorded at the previous start (manifest.Diff).
// If processing changed, every member of every household (account holders
// and profiles alike) gets a manifest-changed notification listing the
// changes in plain language (USAGE-CHANGE, CONSENT-MULTIUSER). Purposes
// added on consent stay off, since consent is opt-in and nobody has given
// it yet (CONSENT-OPTIN); the notification says so. If the current terms of
// service version changed, every account holder gets a terms-changed
// notification, and the version each person accepted stands until they
// accept the new one (TOS-PERMISSION).
//
// A changed manifest that keeps its version string is still a change: it
// is compared, recorded and notified like any other (so a manufacturer who
// forgets to bump the version cannot change processing silently), and a
// warning is logged.
//
// Notification IDs are derived from the person and the change, so a
// fan-out interrupted by a crash is simply run again at the next start
// without notifying anyone twice. The manifest is recorded only after the
// fan-out completes.
package notify

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
)

// Store is what the service reads and writes.
type Store interface {
	hearth.HouseholdStore
	hearth.ChangeStore
}

// Config configures a Service. Store and Manifest are required. Now
// defaults to time.Now; a nil Logger discards.
type Config struct {
	Store    Store
	Manifest *manifest.Manifest // the manifest the server enforces
	Now      func() time.Time
	Logger   *slog.Logger
}

// Service records manifest changes, notifies people, lists their
// notifications and keeps their terms acceptances. It is safe for
// concurrent use.
type Service struct {
	store  Store
	m      *manifest.Manifest
	now    func() time.Time
	log    *slog.Logger
	terms  *TermsView // nil if the manifest declares no terms
	fanout int        // page size of a fan-out
}

// NewService returns a Service. It returns EINVALID if Store or Manifest is
// missing.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Manifest == nil {
		return nil, hearth.Errorf(hearth.EINVALID, "the notification service needs a store and a manifest")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Service{store: cfg.Store, m: cfg.Manifest, now: cfg.Now, log: cfg.Logger,
		terms: currentTerms(cfg.Manifest), fanout: 500}, nil
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// Report says what ManifestLoaded found and did.
type Report struct {
	First        bool             // no manifest was recorded before: nothing to compare
	Changed      bool             // the manifest differs from the recorded one
	Changes      manifest.Changes // the changes in processing
	TermsChanged bool             // the current terms version changed
	Notified     int              // notifications stored (not counting ones stored before)
}

// ManifestLoaded compares the service's manifest with the one recorded at
// the previous start, notifies people of changes and records the manifest.
// Call it once at start, before serving. It returns the errors of the
// store; on error nothing is recorded, and calling it again notifies no one
// twice.
func (s *Service) ManifestLoaded(ctx context.Context) (Report, error) {
	canon, err := s.m.Canonical()
	if err != nil {
		return Report{}, err
	}
	sum := sha256.Sum256(canon)
	rec := &hearth.ManifestRecord{Version: s.m.Version, Digest: sum[:], Canonical: canon, Loaded: s.clock()}
	last, err := s.store.LastManifest(ctx)
	switch {
	case hearth.ErrorCode(err) == hearth.ENOTFOUND:
		return Report{First: true}, s.record(ctx, rec)
	case err != nil:
		return Report{}, fmt.Errorf("last manifest: %w", err)
	case string(last.Digest) == string(rec.Digest):
		return Report{}, nil
	}
	if last.Version == rec.Version {
		s.log.Warn("the manifest changed but kept its version; treating it as a new version", "version", rec.Version)
	}
	rep, err := s.notifyChanges(ctx, s.previous(last), rec)
	if err != nil {
		return rep, err
	}
	return rep, s.record(ctx, rec)
}

func (s *Service) record(ctx context.Context, rec *hearth.ManifestRecord) error {
	if err := s.store.RecordManifest(ctx, rec); err != nil {
		return fmt.Errorf("record manifest: %w", err)
	}
	return nil
}

// previous parses the recorded manifest, or returns nil if this build
// cannot read it; people are then told that processing changed, without
// the details.
func (s *Service) previous(last *hearth.ManifestRecord) *manifest.Manifest {
	old, err := manifest.Parse("recorded manifest", last.Canonical)
	if err != nil {
		s.log.Warn("the recorded manifest cannot be read; notifying a change without details", "version", last.Version)
		return nil
	}
	return old
}

// notifyChanges notifies members of processing changes and account holders
// of a new terms version.
func (s *Service) notifyChanges(ctx context.Context, old *manifest.Manifest, rec *hearth.ManifestRecord) (Report, error) {
	rep := Report{Changed: true}
	if old != nil {
		rep.Changes = manifest.Diff(old, s.m)
	} else {
		rep.Changes = manifest.Changes{To: s.m.Version, Items: []manifest.Change{{Kind: manifest.PurposeChanged,
			Text: "The product's privacy declaration changed; read the privacy notice to see how your data is used now."}}}
	}
	if rep.Changes.Processing() {
		n, err := s.toMembers(ctx, s.manifestNotice(rep.Changes), rec.Digest)
		rep.Notified += n
		if err != nil {
			return rep, err
		}
	}
	if cur := s.terms; cur != nil && (old == nil || versionOf(currentTerms(old)) != cur.Version) {
		rep.TermsChanged = true
		n, err := s.toAccounts(ctx, s.termsNotice(), rec.Digest)
		rep.Notified += n
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func versionOf(t *TermsView) string {
	if t == nil {
		return ""
	}
	return t.Version
}

// manifestNotice is the notification of a change in processing.
func (s *Service) manifestNotice(c manifest.Changes) hearth.Notification {
	body := fmt.Sprintf("%s changed how it uses data (privacy notice version %s, replacing %s). What changed:\n%s",
		s.m.Controller.Name, c.To, c.From, c.Text())
	if len(c.NewConsentPurposes()) > 0 {
		body += "New uses that rely on your consent stay off until you agree to them.\n"
	}
	body += "The full privacy notice is at /privacy."
	return hearth.Notification{Kind: hearth.NotifyManifestChanged, Title: "How your data is used has changed", Body: body}
}

// termsNotice is the notification of a new terms version.
func (s *Service) termsNotice() hearth.Notification {
	t := s.terms
	body := fmt.Sprintf("Version %s of the terms of service takes effect on %s and is expected to last %s. "+
		"The version you accepted stays in force for you until you accept the new one. The terms are at /terms.",
		t.Version, t.Effective, t.ExpectedDuration)
	return hearth.Notification{Kind: hearth.NotifyTermsChanged, Title: "New terms of service to review", Body: body}
}

// toMembers stores tmpl for every member of every household, once per
// person, in pages. It returns how many pages' notifications it stored.
func (s *Service) toMembers(ctx context.Context, tmpl hearth.Notification, key []byte) (int, error) {
	sent := 0
	for hh, p := "", ""; ; {
		ms, err := s.store.EveryMember(ctx, hh, p, s.fanout)
		if err != nil {
			return sent, fmt.Errorf("list members: %w", err)
		}
		if len(ms) == 0 {
			return sent, nil
		}
		ns := make([]hearth.Notification, 0, len(ms))
		for _, m := range ms {
			ns = append(ns, s.instance(tmpl, m.PersonID, m.HouseholdID, key))
		}
		if err := s.store.AddNotifications(ctx, ns); err != nil {
			return sent, fmt.Errorf("store notifications: %w", err)
		}
		sent += len(ns)
		hh, p = ms[len(ms)-1].HouseholdID, ms[len(ms)-1].PersonID
	}
}

// toAccounts stores tmpl for every account holder, in pages.
func (s *Service) toAccounts(ctx context.Context, tmpl hearth.Notification, key []byte) (int, error) {
	sent := 0
	for after := ""; ; {
		as, err := s.store.EveryAccount(ctx, after, s.fanout)
		if err != nil {
			return sent, fmt.Errorf("list accounts: %w", err)
		}
		if len(as) == 0 {
			return sent, nil
		}
		ns := make([]hearth.Notification, 0, len(as))
		for _, a := range as {
			ns = append(ns, s.instance(tmpl, a.PersonID, "", key))
		}
		if err := s.store.AddNotifications(ctx, ns); err != nil {
			return sent, fmt.Errorf("store notifications: %w", err)
		}
		sent += len(ns)
		after = as[len(as)-1].ID
	}
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// instance addresses tmpl to a person. Its ID is derived from the kind,
// the person and key (the manifest digest), so that storing it again is
// skipped and a person in two households is notified once.
func (s *Service) instance(tmpl hearth.Notification, personID, householdID string, key []byte) hearth.Notification {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", tmpl.Kind, personID)
	h.Write(key)
	n := tmpl
	n.ID = "n_" + idEncoding.EncodeToString(h.Sum(nil)[:10])
	n.PersonID, n.HouseholdID, n.Created = personID, householdID, s.clock()
	return n
}
