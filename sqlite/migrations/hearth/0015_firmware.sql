-- Signed firmware releases per device model, their images, offers to
-- devices and the devices' reports (issue 14: SEC-UPDATES). None of it is
-- personal data. Times are INTEGER nanoseconds since the Unix epoch (UTC).

CREATE TABLE firmware_releases (
	model       TEXT NOT NULL,
	version     TEXT NOT NULL,
	metadata    BLOB NOT NULL,
	sha256      TEXT NOT NULL,
	length      INTEGER NOT NULL,
	expires     INTEGER NOT NULL,
	substantial INTEGER NOT NULL,
	notes       TEXT NOT NULL,
	key_id      TEXT NOT NULL,
	published   INTEGER NOT NULL,
	PRIMARY KEY (model, version)
) STRICT;

CREATE TABLE firmware_images (
	model   TEXT NOT NULL,
	version TEXT NOT NULL,
	image   BLOB NOT NULL,
	PRIMARY KEY (model, version),
	FOREIGN KEY (model, version) REFERENCES firmware_releases (model, version) ON DELETE CASCADE
) STRICT;

CREATE TABLE firmware_offers (
	device_id  TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
	model      TEXT NOT NULL,
	version    TEXT NOT NULL,
	command_id TEXT NOT NULL,
	status     TEXT NOT NULL,
	reason     TEXT NOT NULL,
	detail     TEXT NOT NULL,
	created    INTEGER NOT NULL,
	updated    INTEGER NOT NULL,
	PRIMARY KEY (device_id, version),
	FOREIGN KEY (model, version) REFERENCES firmware_releases (model, version)
) STRICT;
CREATE INDEX firmware_offers_pending ON firmware_offers (status, device_id, version);

CREATE TABLE firmware_reports (
	id        TEXT PRIMARY KEY,
	device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
	status    TEXT NOT NULL,
	version   TEXT NOT NULL,
	reason    TEXT NOT NULL,
	detail    TEXT NOT NULL,
	accepted  INTEGER NOT NULL,
	problem   TEXT NOT NULL,
	at        INTEGER NOT NULL
) STRICT;
CREATE INDEX firmware_reports_device ON firmware_reports (device_id, at DESC);
