-- OAuth clients and token records (package oauth), the audit log and the
-- privacy budgets' spends (package analytics).

-- A client's lists are JSON arrays of strings; secret_hash is NULL for a
-- public client.
CREATE TABLE oauth_clients (
	id            TEXT PRIMARY KEY,
	name          TEXT NOT NULL,
	secret_hash   BLOB,
	redirect_uris TEXT NOT NULL,
	scopes        TEXT NOT NULL,
	created_by    TEXT NOT NULL,
	created       INTEGER NOT NULL
) STRICT;

-- One record per authorization code, access token, refresh token or PKCE
-- challenge, keyed by its kind and signature (never the token). Deleting a
-- client deletes its records. expires is NULL for a record that never
-- expires.
CREATE TABLE oauth_tokens (
	kind             TEXT NOT NULL,
	signature        TEXT NOT NULL,
	request_id       TEXT NOT NULL,
	client_id        TEXT NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
	person_id        TEXT NOT NULL,
	scopes           TEXT NOT NULL,
	granted_scopes   TEXT NOT NULL,
	audience         TEXT NOT NULL,
	granted_audience TEXT NOT NULL,
	form             BLOB NOT NULL,
	session          BLOB NOT NULL,
	access_signature TEXT NOT NULL,
	requested        INTEGER NOT NULL,
	expires          INTEGER,
	active           INTEGER NOT NULL,
	PRIMARY KEY (kind, signature)
) STRICT;
CREATE INDEX oauth_tokens_request ON oauth_tokens (request_id);
CREATE INDEX oauth_tokens_person ON oauth_tokens (person_id, requested);
CREATE INDEX oauth_tokens_client ON oauth_tokens (client_id);
CREATE INDEX oauth_tokens_expires ON oauth_tokens (expires) WHERE expires IS NOT NULL;

-- The audit log: a second hash-chained ledger with the ledger's columns
-- (0002_ledger.sql), append-only in the same way. time keeps nanoseconds.
CREATE TABLE audit (
	seq              INTEGER PRIMARY KEY CHECK (seq > 0),
	time             INTEGER NOT NULL,
	type             TEXT NOT NULL,
	person           TEXT NOT NULL,
	purpose          TEXT NOT NULL,
	household_id     TEXT NOT NULL,
	manifest_version TEXT NOT NULL,
	notice_version   TEXT NOT NULL,
	method           TEXT NOT NULL,
	actor            TEXT NOT NULL,
	statement        TEXT NOT NULL,
	details          BLOB NOT NULL,
	prev_hash        BLOB NOT NULL,
	hash             BLOB NOT NULL
) STRICT;

CREATE INDEX audit_person ON audit (person, seq);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- What each dataset's privacy budget has spent, one row per query.
CREATE TABLE privacy_spends (
	seq     INTEGER PRIMARY KEY,
	dataset TEXT NOT NULL,
	epsilon REAL NOT NULL CHECK (epsilon > 0),
	delta   REAL NOT NULL CHECK (delta >= 0),
	query   TEXT NOT NULL,
	actor   TEXT NOT NULL,
	time    INTEGER NOT NULL
) STRICT;
CREATE INDEX privacy_spends_dataset ON privacy_spends (dataset, seq);
