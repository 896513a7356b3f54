// Package ingest is Hearth's one ingestion path for device telemetry, used
// by the MQTT broker hook and the HTTP handler alike.
//
// A reading goes through, in order: device authentication
// (Service.AuthenticateDevice), strict payload parsing (ParsePayload), the
// gate (the device is claimed; its model lists the category; the person is
// a member of the device's household; and package policy allows the reading
// for its subject: some purpose using the category is active, so consent
// is given where the purpose relies on it, the device is in cloud mode and
// location sharing is on), location coarsening (a location reading is kept
// no finer than policy.Engine.LocationPrecision allows: MIN-LOCATION),
// sealing of the values with the subject's data key
// (package seal), and the group-commit writer, which stores many readings in
// one durable transaction. Service.Ingest returns only once the reading's
// batch is committed and synced to disk, so a caller that acknowledges after
// Ingest returns acknowledges only durable data.
//
// Refused readings are dropped, never stored, and counted in
// metrics.ReadingsRefused by reason: policy's reason code (such as
// "no_consent") for a policy refusal (MIN-GATE, CONSENT-OPTIN).
package ingest
