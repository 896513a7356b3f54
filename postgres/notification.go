package postgres

import (
	"context"
	"time"

	"github.com/hearth-iot/hearth"
)

// AddNotifications implements hearth.NotificationStore.
func (db *DB) AddNotifications(ctx context.Context, ns []hearth.Notification) error {
	panic(notYet)
}

// MarkNotificationRead implements hearth.NotificationStore.
func (db *DB) MarkNotificationRead(ctx context.Context, personID string, id string, at time.Time) error {
	panic(notYet)
}

// Notifications implements hearth.NotificationStore.
func (db *DB) Notifications(ctx context.Context, personID string, before string, limit int) ([]hearth.Notification, error) {
	panic(notYet)
}

// LastManifest implements hearth.ManifestVersionStore.
func (db *DB) LastManifest(ctx context.Context) (*hearth.ManifestRecord, error) {
	panic(notYet)
}

// RecordManifest implements hearth.ManifestVersionStore.
func (db *DB) RecordManifest(ctx context.Context, r *hearth.ManifestRecord) error {
	panic(notYet)
}

// AcceptTerms implements hearth.TermsStore.
func (db *DB) AcceptTerms(ctx context.Context, a *hearth.TermsAcceptance) error {
	panic(notYet)
}

// AcceptedTerms implements hearth.TermsStore.
func (db *DB) AcceptedTerms(ctx context.Context, personID string) (*hearth.TermsAcceptance, error) {
	panic(notYet)
}

// EveryAccount implements hearth.AudienceStore.
func (db *DB) EveryAccount(ctx context.Context, after string, limit int) ([]hearth.Account, error) {
	panic(notYet)
}

// EveryMember implements hearth.AudienceStore.
func (db *DB) EveryMember(ctx context.Context, afterHousehold string, afterPerson string, limit int) ([]hearth.Member, error) {
	panic(notYet)
}
