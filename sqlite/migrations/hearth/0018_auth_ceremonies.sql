-- Sign-in and enrolment state that spans two requests (issue 16): the
-- second step after a right password and open passkey registrations, kept
-- in the store so that any node of several can finish what another began.
-- Account IDs, hashes, counters and WebAuthn challenges only.
CREATE TABLE auth_ceremonies (
	kind       TEXT NOT NULL,
	key        BLOB NOT NULL,
	account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	created    INTEGER NOT NULL,
	expires    INTEGER NOT NULL,
	attempts   INTEGER NOT NULL,
	done       INTEGER NOT NULL,
	challenge  BLOB,
	version    INTEGER NOT NULL,
	PRIMARY KEY (kind, key)
) STRICT;
CREATE INDEX auth_ceremonies_expires ON auth_ceremonies(expires);
CREATE INDEX auth_ceremonies_created ON auth_ceremonies(kind, created);
CREATE INDEX auth_ceremonies_account ON auth_ceremonies(account_id);
