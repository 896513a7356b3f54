-- People's periodic deletion choices (RETENTION): per person and category,
-- how long readings are kept ('weekly', 'monthly' or 'yearly'). Deleting
-- the person deletes their choices.

CREATE TABLE deletion_schedules (
	person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
	category  TEXT NOT NULL,
	period    TEXT NOT NULL,
	updated   INTEGER NOT NULL,
	PRIMARY KEY (person_id, category)
) STRICT;
