-- Places for personal fields sealed by package sealstore (SEC-ENCRYPT).
-- Behind sealstore, accounts.email holds the address's keyed blind index
-- (still unique) and email_sealed the address sealed with the person's data
-- key; settings.sealed holds the person's settings sealed with their key,
-- and the other settings columns hold nothing. NULL where nothing is sealed.

ALTER TABLE accounts ADD COLUMN email_sealed BLOB;
ALTER TABLE settings ADD COLUMN sealed BLOB;
