package hearth

import (
	"context"
	"time"
)

// NotificationKind says what a notification is about.
type NotificationKind string

// The notification kinds.
const (
	// NotifyManifestChanged: the product's processing changed (a new
	// manifest version added, removed or changed purposes, data, recipients,
	// retention or lawful bases) (USAGE-CHANGE, CONSENT-MULTIUSER).
	NotifyManifestChanged NotificationKind = "manifest-changed"
	// NotifyTermsChanged: a new version of the terms of service awaits the
	// person's acceptance; the version they accepted stands meanwhile
	// (TOS-PERMISSION).
	NotifyTermsChanged NotificationKind = "terms-changed"
	// NotifyConsentNeeded: a purpose needs the person's consent before it
	// can start (CONSENT-OPTIN).
	NotifyConsentNeeded NotificationKind = "consent-needed"
	// NotifySignUpAttempt: someone tried to sign up with the e-mail address
	// of the person's account; sign-up answers the same whether or not an
	// account exists, so the owner is told here instead (SEC-BRUTE).
	NotifySignUpAttempt NotificationKind = "sign-up-attempt"
)

// Notification is a message to one person, in plain language. A person
// without an account (a profile) sees theirs through the household's owners
// and their guardian. Behind the sealing decorator (package sealstore) a
// storage adapter receives and keeps Title and Body sealed with the person's
// data key, as text.
type Notification struct {
	ID          string
	PersonID    string
	HouseholdID string // the household it concerns; "" if none
	Kind        NotificationKind
	Title       string    // one line
	Body        string    // plain language; may hold several lines
	Created     time.Time // when it was stored
	Read        time.Time // zero until the person marks it read
}

// ManifestRecord is one manifest as loaded by the server: its version, the
// SHA-256 digest of its canonical JSON, and that JSON, so that the next
// load can be compared with it.
type ManifestRecord struct {
	Version   string
	Digest    []byte
	Canonical []byte // the manifest as JSON; see package manifest
	Loaded    time.Time
}

// TermsAcceptance records that a person accepted a version of the terms of
// service. A person keeps the version they accepted until they accept a
// newer one (TOS-PERMISSION).
type TermsAcceptance struct {
	PersonID string
	Version  string
	Accepted time.Time
}

// NotificationStore keeps notifications. Implementations are safe for
// concurrent use.
type NotificationStore interface {
	// AddNotifications stores ns in one transaction. A notification whose
	// ID is stored already is skipped, so a fan-out that was interrupted
	// can be run again. It returns ENOTFOUND if a person does not exist.
	AddNotifications(ctx context.Context, ns []Notification) error
	// Notifications lists a person's notifications newest first (by
	// Created, then ID), after the notification with ID before ("" starts
	// at the newest), at most limit of them (0 means 100). It returns
	// EINVALID if before is not one of the person's notifications.
	Notifications(ctx context.Context, personID, before string, limit int) ([]Notification, error)
	// MarkNotificationRead sets the Read time of a person's notification,
	// if it is not set yet. It returns ENOTFOUND if the person has no
	// notification with that ID.
	MarkNotificationRead(ctx context.Context, personID, id string, at time.Time) error
}

// ManifestVersionStore keeps the history of the manifests the server loaded.
type ManifestVersionStore interface {
	// RecordManifest stores r as the latest loaded manifest.
	RecordManifest(ctx context.Context, r *ManifestRecord) error
	// LastManifest returns the latest recorded manifest, or ENOTFOUND if
	// none was recorded.
	LastManifest(ctx context.Context) (*ManifestRecord, error)
}

// TermsStore keeps people's acceptances of the terms of service.
type TermsStore interface {
	// AcceptTerms stores an acceptance. Accepting a version the person
	// accepted before keeps the first acceptance and is not an error. It
	// returns ENOTFOUND if the person does not exist.
	AcceptTerms(ctx context.Context, a *TermsAcceptance) error
	// AcceptedTerms returns the person's latest acceptance, or ENOTFOUND if
	// they accepted none.
	AcceptedTerms(ctx context.Context, personID string) (*TermsAcceptance, error)
}

// AudienceStore lists everyone a product-wide notification goes to.
type AudienceStore interface {
	// EveryMember lists the memberships of every household, ordered by
	// household ID then person ID, after the membership (afterHousehold,
	// afterPerson) ("", "" starts at the first), at most limit (0 means 100).
	EveryMember(ctx context.Context, afterHousehold, afterPerson string, limit int) ([]Member, error)
	// EveryAccount lists every account ordered by ID, after the account
	// with ID after ("" starts at the first), at most limit (0 means 100).
	EveryAccount(ctx context.Context, after string, limit int) ([]Account, error)
}

// ChangeStore is what the notification service needs beyond households:
// notifications, manifest history, terms acceptances and the audience.
type ChangeStore interface {
	NotificationStore
	ManifestVersionStore
	TermsStore
	AudienceStore
}
