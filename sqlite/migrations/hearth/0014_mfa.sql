-- Second factors and operator accounts (SEC-MFA).
--
-- accounts.operator marks an operator account (hearth operators grant).
-- sessions.factor names the second factor a session was opened with
-- ('totp', 'recovery' or 'passkey'), '' for a password-only session.
ALTER TABLE accounts ADD COLUMN operator INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN factor TEXT NOT NULL DEFAULT '';

-- One TOTP secret per account. Behind sealstore, secret holds the secret
-- sealed with the person's data key. confirmed is 0 until the first code
-- is entered; last_step is the last accepted time step, so a code is
-- accepted at most once.
CREATE TABLE totp_secrets (
	account_id TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
	secret     TEXT NOT NULL,
	confirmed  INTEGER,
	last_step  INTEGER NOT NULL DEFAULT 0,
	created    INTEGER NOT NULL
) STRICT;

-- Recovery codes: only their SHA-256 hash; used is set once.
CREATE TABLE recovery_codes (
	account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	code_hash  BLOB NOT NULL,
	used       INTEGER,
	PRIMARY KEY (account_id, code_hash)
) STRICT, WITHOUT ROWID;

-- Passkeys (WebAuthn credentials): record holds the public key and the
-- authenticator's flags, never a secret.
CREATE TABLE passkeys (
	credential_id BLOB PRIMARY KEY,
	account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	record        BLOB NOT NULL,
	sign_count    INTEGER NOT NULL,
	created       INTEGER NOT NULL,
	last_used     INTEGER
) STRICT;
CREATE INDEX passkeys_account ON passkeys(account_id);

-- Refused second-factor attempts (a replayed code, a used recovery code, a
-- passkey's sign count going back): what the account holder can review.
CREATE TABLE second_factor_refusals (
	id         INTEGER PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	method     TEXT NOT NULL,
	reason     TEXT NOT NULL,
	at         INTEGER NOT NULL
) STRICT;
CREATE INDEX second_factor_refusals_account ON second_factor_refusals(account_id, id);
