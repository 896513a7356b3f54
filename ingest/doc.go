// Package ingest is Hearth's one ingestion path for device telemetry, used
// by the MQTT broker hook and the HTTP handler alike.
//
// A reading goes through, in order: device authentication
// (Service.AuthenticateDevice), strict payload parsing (ParsePayload), the
// gate (the device is claimed and in cloud mode; the manifest declares the
// category and the device's model lists it; the person is a member of the
// device's household), sealing of the values with the subject's data key
// (package seal), and the group-commit writer, which stores many readings in
// one durable transaction. Service.Ingest returns only once the reading's
// batch is committed and synced to disk, so a caller that acknowledges after
// Ingest returns acknowledges only durable data.
//
// Refused readings are dropped, never stored, and counted in
// metrics.ReadingsRefused by reason (MIN-GATE).
package ingest
