// Package export writes a person's data as a ZIP archive (RIGHT-ACCESS,
// ACCURACY-INFERRED, RIGHT-ACCESS-OTHERS) and restores a person from one on
// another Hearth instance (RIGHT-PORT): the export is also the import
// format. docs/export-format.md documents the format and
// docs/export.schema.json its JSON files.
//
// It also holds the person's OAuth grants to third-party clients and the
// audit log entries about them (INT-CLIENTS, AUDIT), which an import
// leaves out: they belong to the instance that issued and kept them.
//
// An export is streamed: readings are read page by page through the
// (person_id, id) index and written through per-category spools, and
// audit log entries page by page through the (person, seq) index, so the
// memory it takes does not grow with the number of readings or accesses. An import is
// verified in full (every file's SHA-256, every ledger entry's hash, every
// line) before anything is written, then applied in one transaction.
package export

import (
	"encoding/json"
	"time"
)

// The format's identity. A reader refuses any other Format or FormatVersion.
const (
	Format        = "hearth-export"
	FormatVersion = 1
	MetadataFile  = "export.json" // the archive's table of contents, written last
)

// The files of an export, besides MetadataFile and the readings.
const (
	fileIndex         = "index.html"
	fileProfile       = "profile.json"
	fileSettings      = "settings.json"
	fileLedger        = "consents/ledger.jsonl"
	fileReceipts      = "consents/receipts.json"
	fileConsentState  = "consents/state.json"
	fileNotices       = "notices-shown.json"
	fileNotifications = "notifications.jsonl"
	fileProcessing    = "processing.json"
	fileRequests      = "rights-requests.json"
	readingsDir       = "readings/"
)

// Metadata is the content of MetadataFile: what the export is and a
// SHA-256 digest of every other file in it.
type Metadata struct {
	Format        string     `json:"format"`         // always Format
	FormatVersion int        `json:"format_version"` // FormatVersion
	ExportID      string     `json:"export_id"`      // unique per export; an import applies it once
	Instance      string     `json:"instance"`       // the exporting Hearth instance
	PersonID      string     `json:"person_id"`      // the person the export is about
	Created       time.Time  `json:"created"`
	Files         []FileInfo `json:"files"`
}

// FileInfo describes one file of the archive.
type FileInfo struct {
	Path    string `json:"path"`
	SHA256  string `json:"sha256"` // lower-case hex of the file's bytes
	Bytes   int64  `json:"bytes"`
	Records int64  `json:"records"` // lines of a .jsonl file, data rows of a .csv file, else 0
}

// Profile is the content of profile.json: the person and their
// memberships.
type Profile struct {
	Person      PersonRecord       `json:"person"`
	Memberships []MembershipRecord `json:"memberships"`
	// Security is how an account holder signs in beyond the password
	// (SEC-MFA); nil for a person without an account. An import does not
	// restore it: second factors do not move between instances.
	Security *SecurityRecord `json:"account_security,omitempty"`
}

// SecurityRecord is an account's second factors and refused second-factor
// attempts. It holds no secret: no TOTP secret, recovery code or key.
type SecurityRecord struct {
	Operator          bool            `json:"operator"`
	AuthenticatorApp  bool            `json:"authenticator_app"`
	RecoveryCodesLeft int             `json:"recovery_codes_left"`
	Passkeys          []PasskeyRecord `json:"passkeys"`
	Refused           []RefusalRecord `json:"refused_second_factors"`
	// RefusedFirmware are the firmware update requests of theirs the
	// server refused (hearth.FirmwareRefusal), kept for
	// policy.SecurityRecordRetention.
	RefusedFirmware []FirmwareRefusalRecord `json:"refused_firmware_requests"`
	// DeviceActions are the device log entries that name them as who
	// acted (hearth.DeviceLogEntry: transfers, resets, mode changes and
	// refused attempts at them), kept for policy.SecurityRecordRetention.
	DeviceActions []DeviceActionRecord `json:"device_actions"`
}

// DeviceActionRecord is one device log entry the person acted in.
type DeviceActionRecord struct {
	DeviceID    string    `json:"device_id"`
	HouseholdID string    `json:"household_id,omitempty"`
	Action      string    `json:"action"`
	Outcome     string    `json:"outcome"`
	CommandID   string    `json:"command_id,omitempty"`
	At          time.Time `json:"at"`
}

// FirmwareRefusalRecord is one refused firmware update request: the
// device ID as the person named it, why it was refused, and when.
type FirmwareRefusalRecord struct {
	DeviceID string    `json:"device_id"`
	Problem  string    `json:"problem"`
	At       time.Time `json:"at"`
}

// PasskeyRecord is one registered passkey.
type PasskeyRecord struct {
	Created  time.Time  `json:"created"`
	LastUsed *time.Time `json:"last_used,omitempty"`
}

// RefusalRecord is one refused second factor (hearth.SecondFactorRefusal).
type RefusalRecord struct {
	Method string    `json:"method"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// PersonRecord is the person as the exporting instance keeps them.
type PersonRecord struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"display_name"`
	Email       string    `json:"email,omitempty"` // for an account holder
	HasAccount  bool      `json:"has_account"`
	HouseholdID string    `json:"household_id,omitempty"` // the household that created the profile
	Created     time.Time `json:"created"`
}

// MembershipRecord is one of the person's households and their role in it.
type MembershipRecord struct {
	HouseholdID      string    `json:"household_id"`
	HouseholdName    string    `json:"household_name"`
	HouseholdCreated time.Time `json:"household_created"`
	Role             string    `json:"role"`
	GuardianID       string    `json:"guardian_id,omitempty"`
	Added            time.Time `json:"added"`
}

// SettingsRecord is the content of settings.json.
type SettingsRecord struct {
	Defaults        bool              `json:"defaults"` // true when the person never changed a setting
	Features        []string          `json:"features"`
	Purposes        []string          `json:"purposes"`
	Location        string            `json:"location"` // "" is off
	FeatureLocation map[string]string `json:"feature_location"`
	// The rights exercised over the use of the data (RIGHT-RESTRICT,
	// RIGHT-OBJECT, RIGHT-OBJECT-MKT, RIGHT-ADM), by purpose ID.
	RestrictAll     bool       `json:"restrict_all"`
	Restricted      []string   `json:"restricted"`
	Objected        []string   `json:"objected"`
	ObjectMarketing bool       `json:"object_marketing"`
	ADMOptOut       []string   `json:"adm_opt_out"`
	Updated         *time.Time `json:"updated,omitempty"`
}

// LedgerRecord is one line of consents/ledger.jsonl: a ledger entry about
// the person, every field as the exporting instance hashed it.
type LedgerRecord struct {
	Seq             int64           `json:"seq"`
	Time            time.Time       `json:"time"`
	Type            string          `json:"type"`
	Person          string          `json:"person"`
	Purpose         string          `json:"purpose"`
	HouseholdID     string          `json:"household_id"`
	ManifestVersion string          `json:"manifest_version"`
	NoticeVersion   string          `json:"notice_version"`
	Method          string          `json:"method"`
	Actor           string          `json:"actor"`
	Statement       string          `json:"statement"`
	Details         json.RawMessage `json:"details,omitempty"`
	PrevHash        string          `json:"prev_hash"` // hex
	Hash            string          `json:"hash"`      // hex
}

// ReadingRecord is one line of readings/CATEGORY.jsonl.
type ReadingRecord struct {
	ID          int64           `json:"id"` // on the exporting instance
	Category    string          `json:"category"`
	Time        time.Time       `json:"time"`
	Received    time.Time       `json:"received"`
	DeviceID    string          `json:"device_id"`
	DeviceModel string          `json:"device_model,omitempty"`
	MsgID       string          `json:"msg_id"`
	HouseholdID string          `json:"household_id"`
	Inferred    bool            `json:"inferred"`
	Source      string          `json:"source,omitempty"`   // for an inference: what made it (ACCURACY-INFERRED)
	Disputed    bool            `json:"disputed,omitempty"` // the person contests its accuracy (RIGHT-RECTIFY)
	Values      json.RawMessage `json:"values"`             // exactly the bytes the device sent, compacted
}

// NotificationRecord is one line of notifications.jsonl.
type NotificationRecord struct {
	ID          string     `json:"id"`
	HouseholdID string     `json:"household_id,omitempty"`
	Kind        string     `json:"kind"`
	Title       string     `json:"title"`
	Body        string     `json:"body"`
	Created     time.Time  `json:"created"`
	Read        *time.Time `json:"read,omitempty"`
}

// CategoryRecord is one data category in processing.json: why it is kept,
// for how long and who receives it.
type CategoryRecord struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Kind       string            `json:"kind"`
	Retention  string            `json:"retention"` // as the manifest states it, such as "30d"
	Purposes   []string          `json:"purposes"`
	Recipients []RecipientRecord `json:"recipients"`
	Readings   int64             `json:"readings"` // how many of the person's readings the export holds
}

// RecipientRecord is an organisation that receives a category.
type RecipientRecord struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// Processing is the content of processing.json.
type Processing struct {
	Controller      string           `json:"controller"`
	Contact         string           `json:"contact,omitempty"`
	ManifestVersion string           `json:"manifest_version"`
	Categories      []CategoryRecord `json:"categories"`
}
