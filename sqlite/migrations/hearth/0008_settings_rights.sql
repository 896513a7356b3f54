-- The rights a person exercised over the use of their data, kept with their
-- settings (hearth.PersonSettings: RestrictAll, Restricted, Objected,
-- ObjectMarketing, ADMOptOut), as one JSON object. '{}' is none.

ALTER TABLE settings ADD COLUMN rights TEXT NOT NULL DEFAULT '{}';
