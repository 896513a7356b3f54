-- Per-person settings (hearth.PersonSettings): the features and optional
-- purposes a person switched on and their location choices. Lists and the
-- per-feature map are JSON; a person without a row has the manifest's
-- defaults. Deleting the person deletes their settings.

CREATE TABLE settings (
	person_id        TEXT PRIMARY KEY REFERENCES persons(id) ON DELETE CASCADE,
	features         TEXT NOT NULL, -- JSON array of feature IDs
	purposes         TEXT NOT NULL, -- JSON array of purpose IDs
	location         TEXT NOT NULL, -- '' is off
	feature_location TEXT NOT NULL, -- JSON object: feature ID -> granularity
	updated          INTEGER NOT NULL
) STRICT;
