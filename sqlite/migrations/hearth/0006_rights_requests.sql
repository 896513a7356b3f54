-- The rights request log (hearth.RightsRequest, RIGHT-REQUESTS). It is
-- evidence that rights were answered, so it has no foreign key to persons:
-- erasing a person leaves their requests, which hold IDs, manifest IDs,
-- times and plain-text outcomes, never a personal value. Times are INTEGER
-- nanoseconds since the Unix epoch (UTC); NULL is the zero time.

CREATE TABLE rights_requests (
	id             TEXT PRIMARY KEY,
	person_id      TEXT NOT NULL,
	household_id   TEXT NOT NULL,
	type           TEXT NOT NULL,
	scope          TEXT NOT NULL,
	requested_by   TEXT NOT NULL,
	identity_check TEXT NOT NULL,
	status         TEXT NOT NULL,
	created        INTEGER NOT NULL,
	deadline       INTEGER NOT NULL,
	completed      INTEGER,
	outcome        TEXT NOT NULL
) STRICT;
CREATE INDEX rights_requests_person ON rights_requests (person_id, created DESC, id DESC);
-- Open requests by deadline, for the operators' queue.
CREATE INDEX rights_requests_open ON rights_requests (deadline, created, id)
	WHERE status IN ('received', 'in-progress');
