-- OAuth clients and token records (package oauth), the audit log and the
-- privacy budgets' spends (package analytics): the SQLite adapter's
-- migration 0019. Times are BIGINT nanoseconds since the Unix epoch.

-- A client's lists are JSON arrays of strings; secret_hash is NULL for a
-- public client.
CREATE TABLE oauth_clients (
	id            TEXT PRIMARY KEY,
	name          TEXT NOT NULL,
	secret_hash   BYTEA,
	redirect_uris TEXT NOT NULL,
	scopes        TEXT NOT NULL,
	created_by    TEXT NOT NULL,
	created       BIGINT NOT NULL
);

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
	form             BYTEA NOT NULL,
	session          BYTEA NOT NULL,
	access_signature TEXT NOT NULL,
	requested        BIGINT NOT NULL,
	expires          BIGINT,
	active           BOOLEAN NOT NULL,
	PRIMARY KEY (kind, signature)
);
CREATE INDEX oauth_tokens_request ON oauth_tokens (request_id);
CREATE INDEX oauth_tokens_person ON oauth_tokens (person_id, requested);
CREATE INDEX oauth_tokens_client ON oauth_tokens (client_id);
CREATE INDEX oauth_tokens_expires ON oauth_tokens (expires) WHERE expires IS NOT NULL;

-- The audit log: a second hash-chained ledger with the ledger's columns,
-- append-only in the same way. time keeps nanoseconds.
CREATE TABLE audit (
	seq              BIGINT PRIMARY KEY CHECK (seq > 0),
	time             BIGINT NOT NULL,
	type             TEXT NOT NULL,
	person           TEXT NOT NULL,
	purpose          TEXT NOT NULL,
	household_id     TEXT NOT NULL,
	manifest_version TEXT NOT NULL,
	notice_version   TEXT NOT NULL,
	method           TEXT NOT NULL,
	actor            TEXT NOT NULL,
	statement        TEXT NOT NULL,
	details          BYTEA NOT NULL,
	prev_hash        BYTEA NOT NULL,
	hash             BYTEA NOT NULL
);
CREATE INDEX audit_person ON audit (person, seq);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
	FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
	FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- What each dataset's privacy budget has spent, one row per query.
CREATE TABLE privacy_spends (
	seq     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	dataset TEXT NOT NULL,
	epsilon DOUBLE PRECISION NOT NULL CHECK (epsilon > 0),
	delta   DOUBLE PRECISION NOT NULL CHECK (delta >= 0),
	query   TEXT NOT NULL,
	actor   TEXT NOT NULL,
	time    BIGINT NOT NULL
);
CREATE INDEX privacy_spends_dataset ON privacy_spends (dataset, seq);
