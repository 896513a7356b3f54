-- A device's life after its first claim (issue 14): ownership transfers,
-- and the device log of transfers, resets, mode changes, commands and the
-- refused attempts at them. Both hold IDs, codes, hashes and times only.

-- transfers: a one-time, expiring code (only its hash) with which an owner
-- of another household takes the device over. erase = 1: the previous
-- household's readings from the device are erased when it is accepted.
CREATE TABLE transfers (
	code_hash      BLOB PRIMARY KEY,
	device_id      TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
	from_household TEXT NOT NULL,
	started_by     TEXT NOT NULL,
	erase          INTEGER NOT NULL,
	created        INTEGER NOT NULL,
	expires        INTEGER NOT NULL,
	used           INTEGER,
	to_household   TEXT
) STRICT;
CREATE INDEX transfers_device ON transfers(device_id);

CREATE TABLE device_log (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	device_id    TEXT NOT NULL,
	household_id TEXT,
	person_id    TEXT,
	action       TEXT NOT NULL,
	outcome      TEXT NOT NULL,
	command_id   TEXT,
	time         INTEGER NOT NULL
) STRICT;
CREATE INDEX device_log_device ON device_log(device_id, id);
