-- Readings by person, for a person's export and erasure (RIGHT-ACCESS,
-- RIGHT-ERASE) without scanning their households' readings. Partial: the
-- household's own readings (no person) are not indexed here.
CREATE INDEX readings_person ON readings(person_id, id) WHERE person_id IS NOT NULL;
