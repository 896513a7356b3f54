// Package ingest is Hearth's one ingestion path for device telemetry, used
// by the MQTT broker hook and the HTTP handler alike.
//
// A reading goes through, in order: device authentication
// (Service.AuthenticateDevice), strict payload parsing (ParsePayload: one
// JSON object, no key twice in any object, valid UTF-8 in values), the
// gate (the device is claimed; the person is a member of the device's
// household; and one decision of package policy, policy.Engine.Admit: the
// model lists the category, the reading is not already past its retention,
// its values have the shape the category declares, some purpose using the
// category is active for its subject, and a location reading is coarsened
// to the precision allowed: MIN-GATE, RETENTION, MIN-LOCATION), sealing of
// the values with the subject's data key (package seal), and the
// group-commit writer, which stores many readings in one durable
// transaction. Service.Ingest returns only once the reading's batch is
// committed and synced to disk, so a caller that acknowledges after Ingest
// returns acknowledges only durable data.
//
// Refused readings are dropped, never stored, and counted in
// metrics.ReadingsRefused by reason: policy's reason code (such as
// "no_consent") for a policy refusal (MIN-GATE, CONSENT-OPTIN).
package ingest
