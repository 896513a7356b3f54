-- Deduplication of (device_id, msg_id) without a unique index on readings.
-- With one index entry per reading, each reading of a group commit from
-- 1,000 devices dirtied its own page of that index (TAIL-FINDINGS.md).
-- reading_keys holds the keys of every stored reading with an ID up to
-- reading_keys_state.watermark; the writer keeps the keys of the readings
-- above it in memory and merges them into reading_keys in bulk, in key
-- order, so that a merge dirties about one page per device, not one per
-- reading (sqlite/dedup.go). After a crash the keys above the watermark are
-- read back from readings.
CREATE TABLE reading_keys (
	device_id TEXT NOT NULL,
	msg_id    TEXT NOT NULL,
	PRIMARY KEY (device_id, msg_id)
) STRICT, WITHOUT ROWID;

-- One row: the highest readings.id whose key has been merged into
-- reading_keys. It never decreases.
CREATE TABLE reading_keys_state (
	id        INTEGER PRIMARY KEY CHECK (id = 1),
	watermark INTEGER NOT NULL
) STRICT;

INSERT INTO reading_keys (device_id, msg_id)
	SELECT device_id, msg_id FROM readings ORDER BY device_id, msg_id;
INSERT INTO reading_keys_state (id, watermark)
	SELECT 1, coalesce(max(id), 0) FROM readings;

DROP INDEX readings_device_msg;

-- Every path that deletes readings (erasure, retention)
-- removes the key with the row, so that a resend of a deleted reading is
-- stored again, as it was with the unique index.
CREATE TRIGGER readings_delete_key AFTER DELETE ON readings BEGIN
	DELETE FROM reading_keys WHERE device_id = old.device_id AND msg_id = old.msg_id;
END;
