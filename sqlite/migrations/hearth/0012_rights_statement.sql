-- A rights request's statement in the person's own words
-- (hearth.RightsRequest.Statement), sealed with their data key by package
-- rights; NULL for none.

ALTER TABLE rights_requests ADD COLUMN statement BLOB;
