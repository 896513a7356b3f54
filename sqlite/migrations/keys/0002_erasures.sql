-- The erasure journal and the recipients' erasure notices (RIGHT-ERASE).
-- They live in keys.db, beside the wrapped keys, because a data backup of
-- hearth.db restored later must not roll them back: the server re-applies
-- the journal at start, and undelivered notices stay queued. They hold IDs,
-- categories and times only, no personal data in clear. Times are INTEGER
-- nanoseconds since the Unix epoch (UTC); NULL is the zero time.

CREATE TABLE erasures (
	seq             INTEGER PRIMARY KEY AUTOINCREMENT,
	person_id       TEXT NOT NULL,
	everything      INTEGER NOT NULL,
	closed          INTEGER NOT NULL,
	household_id    TEXT NOT NULL,
	filter_person   TEXT NOT NULL,
	device_id       TEXT NOT NULL,
	category        TEXT NOT NULL,
	time_from       INTEGER,
	time_to         INTEGER,
	received_before INTEGER,
	at              INTEGER NOT NULL
) STRICT;

CREATE TABLE erasure_notices (
	id           TEXT PRIMARY KEY,
	erasure_seq  INTEGER NOT NULL REFERENCES erasures(seq),
	person_id    TEXT NOT NULL,
	recipient_id TEXT NOT NULL,
	everything   INTEGER NOT NULL,
	categories   TEXT NOT NULL, -- JSON array of category IDs
	time_from    INTEGER,
	time_to      INTEGER,
	created      INTEGER NOT NULL,
	state        TEXT NOT NULL,
	attempts     INTEGER NOT NULL,
	next_attempt INTEGER NOT NULL,
	last_error   TEXT NOT NULL,
	delivered    INTEGER
) STRICT;
CREATE INDEX erasure_notices_person ON erasure_notices (person_id, created DESC);
CREATE INDEX erasure_notices_due ON erasure_notices (next_attempt) WHERE state = 'pending';
