package hearth

import (
	"context"
	"time"
)

// ErasureFilter selects readings to erase (RIGHT-ERASE, RETENTION). Zero
// fields select everything, but a filter must name a person, a household or
// a category: an empty filter is refused rather than erasing every reading.
type ErasureFilter struct {
	PersonID    string    // the person the readings are about; "-" with HouseholdID: the household's own readings
	HouseholdID string    // only readings of this household
	DeviceID    string    // only readings from this device
	Category    string    // only readings of this category
	From, To    time.Time // only readings whose Time is in [From, To)
	// ReceivedBefore, when not zero, keeps readings received at or after
	// it: re-applying an erasure must not touch readings stored since.
	ReceivedBefore time.Time
}

// Empty reports whether f names no person, household or category.
func (f ErasureFilter) Empty() bool {
	return f.PersonID == "" && f.HouseholdID == "" && f.Category == ""
}

// ErasureStore deletes what an erasure or a retention period removes from
// the data store. On SQLite deleted content is overwritten (secure_delete)
// and Checkpoint then clears it from the write-ahead log; on PostgreSQL
// Checkpoint vacuums it out of the table's indexes and line pointers, and
// its bytes stay in the write-ahead log until recycled (see each adapter).
type ErasureStore interface {
	// CountReadings counts the readings f selects; EINVALID for an empty f.
	CountReadings(ctx context.Context, f ErasureFilter) (int64, error)
	// DeleteReadings deletes at most limit of the readings f selects,
	// lowest IDs first, in one transaction, and returns how many it
	// deleted: call it until it returns 0, then Checkpoint. The
	// transaction may be durable only once the store's next synced commit
	// or Checkpoint (so the writer is not held for a sync of its own); a
	// crash can lose it, never a commit of anything else. Small batches
	// keep the writer free for ingestion in between. EINVALID for an empty
	// f or a limit below 1.
	DeleteReadings(ctx context.Context, f ErasureFilter, limit int) (int64, error)
	// DeletePerson deletes a person and everything kept about them apart
	// from readings and the append-only ledger and audit log: their account
	// and its sessions, their OAuth token records (every client's access),
	// memberships, settings, notifications, terms acceptances and deletion
	// schedules, in one transaction. Deleting a missing person is not an
	// error.
	DeletePerson(ctx context.Context, personID string) error
	// DeletePersonalData deletes what is kept about a person apart from
	// readings, the ledger, the audit log and what their account needs (the
	// person, the account, sessions and memberships): settings,
	// notifications, terms acceptances, deletion schedules and OAuth token
	// records, but only those stored, updated, created or requested before
	// before, in one transaction.
	DeletePersonalData(ctx context.Context, personID string, before time.Time) error
	// Checkpoint makes the deletions before it durable and clears what
	// the store can of deleted content: SQLite copies the write-ahead
	// logs into the database files and truncates them, so it no longer
	// lingers in a log; PostgreSQL vacuums the readings and flushes its
	// log, whose segments keep the deleted bytes until recycled.
	Checkpoint(ctx context.Context) error
}

// Erasure is an entry of the erasure journal: what was erased, so that it
// can be erased again from an older data backup restored later.
type Erasure struct {
	Seq int64 // assigned by the store; increases
	// PersonID is the subject: a person, or a household for its own
	// readings (whose key is then destroyed too when Everything is set).
	PersonID   string
	Everything bool // all the subject's data, and their data key
	Closed     bool // the account was closed: the person is deleted too
	Filter     ErasureFilter
	At         time.Time
}

// ErasureJournal keeps erasures with the wrapped keys, apart from the data
// (KeyStore): a data backup restored over the data store does not roll it
// back, and the server re-applies it at start.
type ErasureJournal interface {
	// RecordErasure appends e and sets its Seq.
	RecordErasure(ctx context.Context, e *Erasure) error
	// Erasures lists at most limit entries with Seq > after, in Seq order.
	Erasures(ctx context.Context, after int64, limit int) ([]Erasure, error)
}

// NoticeState is the delivery state of an erasure notice to a recipient.
type NoticeState string

// The notice states.
const (
	NoticePending      NoticeState = "pending"      // not delivered yet; retried with backoff
	NoticeDelivered    NoticeState = "delivered"    // the recipient acknowledged it (HTTP 2xx)
	NoticeFailed       NoticeState = "failed"       // every attempt failed; the operator must follow up
	NoticeUnconfigured NoticeState = "unconfigured" // no endpoint or secret is configured for the recipient
)

// ErasureNotice is the signed notice of an erasure sent to one recipient
// named in the manifest (RIGHT-ERASE), with its delivery state.
type ErasureNotice struct {
	ID          string
	ErasureSeq  int64 // the journal entry it tells of
	PersonID    string
	RecipientID string
	Everything  bool
	Categories  []string  // the categories erased that the recipient receives
	From, To    time.Time // the time range erased, zero when unbounded
	Created     time.Time
	State       NoticeState
	Attempts    int
	NextAttempt time.Time // when a pending notice is tried again
	LastError   string    // why the last attempt failed; never personal data
	Delivered   time.Time
}

// ErasureNoticeStore keeps erasure notices (an outbox) with the journal, so
// a restored data backup does not lose undelivered ones.
type ErasureNoticeStore interface {
	// AddErasureNotices stores new notices; ECONFLICT for a taken ID.
	AddErasureNotices(ctx context.Context, ns []ErasureNotice) error
	// ErasureNotices lists a person's notices, newest first.
	ErasureNotices(ctx context.Context, personID string) ([]ErasureNotice, error)
	// DueErasureNotices lists at most limit pending notices whose
	// NextAttempt is not after now, soonest first.
	DueErasureNotices(ctx context.Context, now time.Time, limit int) ([]ErasureNotice, error)
	// UpdateErasureNotice stores n's state, attempts, next attempt, last
	// error and delivery time; ENOTFOUND for an unknown ID.
	UpdateErasureNotice(ctx context.Context, n *ErasureNotice) error
}

// DeletionPeriod is how long a person chose to keep a category's readings
// before they are deleted periodically (RETENTION).
type DeletionPeriod string

// The deletion periods a person may choose.
const (
	DeleteWeekly  DeletionPeriod = "weekly"  // keep the last 7 days
	DeleteMonthly DeletionPeriod = "monthly" // keep the last month, counted back from now
	DeleteYearly  DeletionPeriod = "yearly"  // keep the last 12 months, counted back from now
)

// Valid reports whether p is one of the deletion periods.
func (p DeletionPeriod) Valid() bool {
	return p == DeleteWeekly || p == DeleteMonthly || p == DeleteYearly
}

// DeletionSchedule is a person's choice to delete a category's readings
// periodically.
type DeletionSchedule struct {
	PersonID string
	Category string
	Period   DeletionPeriod
	Updated  time.Time
}

// DeletionScheduleStore keeps people's periodic deletion choices.
type DeletionScheduleStore interface {
	// PutDeletionSchedule stores s, replacing the person's choice for the
	// category; ENOTFOUND if there is no such person.
	PutDeletionSchedule(ctx context.Context, s *DeletionSchedule) error
	// DeleteDeletionSchedule removes the person's choice for the category;
	// removing a missing one is not an error.
	DeleteDeletionSchedule(ctx context.Context, personID, category string) error
	// DeletionSchedules lists a person's choices by category.
	DeletionSchedules(ctx context.Context, personID string) ([]DeletionSchedule, error)
	// EveryDeletionSchedule lists at most limit choices after the
	// (afterPerson, afterCategory) cursor, in that order, for the scheduler.
	EveryDeletionSchedule(ctx context.Context, afterPerson, afterCategory string, limit int) ([]DeletionSchedule, error)
}

// ErasureStores is every store interface that erasure and retention use;
// hearth.Store embeds it.
type ErasureStores interface {
	ErasureStore
	ErasureJournal
	ErasureNoticeStore
	DeletionScheduleStore
}
