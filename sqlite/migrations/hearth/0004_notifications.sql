-- Notifications to people, the history of loaded manifests, and terms of
-- service acceptances (issue 3, moments and changes). Times are INTEGER
-- nanoseconds since the Unix epoch (UTC); NULL is the zero time.

CREATE TABLE notifications (
	id           TEXT PRIMARY KEY,
	person_id    TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
	household_id TEXT,
	kind         TEXT NOT NULL,
	title        TEXT NOT NULL,
	body         TEXT NOT NULL,
	created      INTEGER NOT NULL,
	read         INTEGER
) STRICT;
CREATE INDEX notifications_person ON notifications (person_id, created DESC, id DESC);

-- One row per manifest load whose content differed from the previous one.
CREATE TABLE manifest_versions (
	seq       INTEGER PRIMARY KEY AUTOINCREMENT,
	version   TEXT NOT NULL,
	digest    BLOB NOT NULL,
	canonical BLOB NOT NULL,
	loaded    INTEGER NOT NULL
) STRICT;

CREATE TABLE terms_acceptances (
	person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
	version   TEXT NOT NULL,
	accepted  INTEGER NOT NULL,
	PRIMARY KEY (person_id, version)
) STRICT;
CREATE INDEX terms_acceptances_latest ON terms_acceptances (person_id, accepted DESC);
