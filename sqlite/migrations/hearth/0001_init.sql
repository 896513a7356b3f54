-- Hearth data schema, version 1. Times are INTEGER nanoseconds since the
-- Unix epoch (UTC); NULL stands for the zero time or "none".

CREATE TABLE households (
	id      TEXT PRIMARY KEY,
	name    TEXT NOT NULL,
	created INTEGER NOT NULL
) STRICT;

CREATE TABLE persons (
	id           TEXT PRIMARY KEY,
	household_id TEXT REFERENCES households(id),
	display_name TEXT NOT NULL,
	account_id   TEXT,
	created      INTEGER NOT NULL
) STRICT;

CREATE TABLE accounts (
	id            TEXT PRIMARY KEY,
	email         TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	person_id     TEXT NOT NULL REFERENCES persons(id),
	created       INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
	token_hash BLOB PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	created    INTEGER NOT NULL,
	expires    INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE members (
	household_id TEXT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
	person_id    TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
	role         TEXT NOT NULL,
	guardian_id  TEXT,
	added        INTEGER NOT NULL,
	PRIMARY KEY (household_id, person_id)
) STRICT;
CREATE INDEX members_person ON members(person_id);

CREATE TABLE invites (
	token_hash   BLOB PRIMARY KEY,
	household_id TEXT NOT NULL REFERENCES households(id) ON DELETE CASCADE,
	role         TEXT NOT NULL,
	invited_by   TEXT NOT NULL,
	expires      INTEGER NOT NULL,
	created      INTEGER NOT NULL,
	used         INTEGER
) STRICT;

CREATE TABLE devices (
	id              TEXT PRIMARY KEY,
	model           TEXT NOT NULL,
	household_id    TEXT REFERENCES households(id),
	credential_hash BLOB NOT NULL,
	firmware        TEXT NOT NULL,
	mode            TEXT NOT NULL,
	created         INTEGER NOT NULL,
	claimed         INTEGER
) STRICT;
CREATE INDEX devices_household ON devices(household_id);

CREATE TABLE claims (
	code_hash BLOB PRIMARY KEY,
	device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
	expires   INTEGER NOT NULL,
	created   INTEGER NOT NULL,
	used      INTEGER
) STRICT;
CREATE INDEX claims_device ON claims(device_id);

-- Readings carry no foreign keys: the ingestion path stays one index probe
-- per row, and erasure deletes readings independently of their subject.
-- AUTOINCREMENT keeps IDs increasing even after the newest rows are erased,
-- so a cursor never sees an ID twice.
CREATE TABLE readings (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	device_id    TEXT NOT NULL,
	household_id TEXT NOT NULL,
	person_id    TEXT,
	category     TEXT NOT NULL,
	msg_id       TEXT NOT NULL,
	time         INTEGER NOT NULL,
	received     INTEGER NOT NULL,
	inferred     INTEGER NOT NULL,
	sealed       BLOB NOT NULL
) STRICT;
CREATE UNIQUE INDEX readings_device_msg ON readings(device_id, msg_id);
CREATE INDEX readings_household ON readings(household_id, id);
