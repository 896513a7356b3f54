-- Firmware requests refused because the caller may not update the device
-- (issue 14, bad input: "a firmware command for another household's
-- device ... an entry recorded"). device_id is as the caller named it and
-- may name no device; the rows go with the person.

CREATE TABLE firmware_refusals (
	id        TEXT PRIMARY KEY,
	device_id TEXT NOT NULL,
	person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
	problem   TEXT NOT NULL,
	at        INTEGER NOT NULL
) STRICT;
CREATE INDEX firmware_refusals_at ON firmware_refusals (at DESC);
