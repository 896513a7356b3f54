-- The hash-chained, append-only ledger (consent now, audit later); see
-- package ledger for the hash encoding. Each column holds one field of
-- hearth.LedgerEntry; "" is stored as '' (not NULL), since the hash covers
-- it. The triggers refuse UPDATE and DELETE, as defence in depth: the hash
-- chain is what detects a change made around them.

CREATE TABLE ledger (
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

CREATE INDEX ledger_person ON ledger (person, seq);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
	SELECT RAISE(ABORT, 'the ledger is append-only');
END;

CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
	SELECT RAISE(ABORT, 'the ledger is append-only');
END;
