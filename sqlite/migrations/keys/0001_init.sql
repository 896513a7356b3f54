-- Hearth key schema, version 1: wrapped data keys, kept in their own file
-- apart from the data they seal. Times are INTEGER nanoseconds since the
-- Unix epoch (UTC).

CREATE TABLE keys (
	id      TEXT PRIMARY KEY,
	subject TEXT NOT NULL UNIQUE,
	kek_id  TEXT NOT NULL,
	wrapped BLOB NOT NULL,
	created INTEGER NOT NULL
) STRICT;
