-- Download links of people's exports (RIGHT-ACCESS): only the token's
-- SHA-256 hash is stored. Deleting the person deletes their links.
CREATE TABLE export_links (
	token_hash   BLOB PRIMARY KEY,
	person_id    TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
	household_id TEXT NOT NULL,
	requested_by TEXT NOT NULL,
	expires      INTEGER NOT NULL,
	created      INTEGER NOT NULL
) STRICT;
CREATE INDEX export_links_person ON export_links(person_id);

-- Exports imported from other instances (RIGHT-PORT), so that importing the
-- same file again changes nothing.
CREATE TABLE imports (
	export_id TEXT PRIMARY KEY,
	person_id TEXT NOT NULL,
	imported  INTEGER NOT NULL
) STRICT;
