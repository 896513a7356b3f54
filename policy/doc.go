// Package policy makes Hearth's privacy decisions: it is the only place
// they are made. It is pure: no I/O, no clock (the time is an argument), no
// global state. It imports only the standard library, the root package and
// manifest.
//
// # The model
//
// Compile turns a parsed manifest into an Engine, numbering its purposes and
// features (at most MaxPurposes of each) and precomputing, as bit sets, which
// purposes use each category and which rely on consent, are core, are
// marketing or advertising, profiling, solely automated decisions, or are
// switched on by a feature. A person's state is a Subject: bit sets of the
// purposes they consented to, switched on, restricted, objected to or opted
// out of automated decisions for, the features they switched on, their
// location setting (overall and per feature), whether they are a child, and
// the mode of the device.
// A decision is then a map lookup and a few bit tests: no allocation.
//
// A purpose is active for a subject unless the first of these rules that
// applies stops it:
//
//  1. all processing is restricted, or this purpose is (RIGHT-RESTRICT);
//  2. it is marketing or advertising and the subject objected to marketing
//     (RIGHT-OBJECT-MKT), or the subject objected to it (RIGHT-OBJECT);
//  3. it makes solely automated decisions and the subject opted out (RIGHT-ADM);
//  4. the subject is a child and it is profiling, marketing or advertising
//     not on consent (DEFAULT-PRIVATE);
//  5. a feature switches it on and no such feature is on;
//  6. it relies on consent and consent was not given (CONSENT-OPTIN,
//     CONSENT-WITHDRAW): nothing is on by default;
//  7. it is optional (neither consent nor core, nor switched on by a
//     feature) and not switched on in the settings.
//
// Core purposes are therefore active unless restricted or objected to:
// consent is never a precondition of the core function
// (CONSENT-NOT-PRECONDITION).
//
// Engine.Admit is the whole decision on an ingested reading, asked once:
// the category declared and produced by the device's model, the reading
// not already past its category's retention (RETENTION), its values of the
// shape the category declares (MIN-GATE: an undeclared field or a wrong
// type is refused like an undeclared category), and then the rules of
// Engine.Ingest; it returns the allow or refusal, its reason, and for
// location the values coarsened to the precision allowed. MayRead decides
// who may read whose data (SEC-AUTHZ, RIGHT-ACCESS-OTHERS), and
// Engine.HouseholdOf the state that decides a household's own data: a
// purpose uses it only while active for every owner, adult and child
// member (CONSENT-MULTIUSER).
//
// Engine.Ingest stores a reading only if its category is declared and some
// purpose using it is active (MIN-GATE); never from a local-only device
// (LOCAL-ONLY), and location only while location sharing is on
// (MIN-LOCATION), at no finer a precision than Engine.LocationPrecision
// allows, applied with CoarsenLocation. Engine.Read allows a read only for a
// declared, active purpose that uses the category.
//
// Consent decisions: MayConsent says who may consent for whom
// (CONSENT-MULTIUSER, CONSENT-CHILD), ConsentRequestAllowed enforces the
// cool-off after a refusal (CONSENT-NO-NAG), Engine.Consentable and
// Engine.Explicit which purposes can be consented to and with which
// explicit statement (CONSENT-EXPLICIT), and Engine.Defaults gives a new
// person's state (DEFAULT-PRIVATE).
//
// Engine.Counted decides who is in the operators' differentially private
// statistics (PET-DP): a subject while the manifest's analytics purpose is
// active for them (consented, not withdrawn, restricted or objected to),
// and household data only while it is for every member.
//
// Every Decision carries a Reason whose String is a sentence a person can
// read and whose Code is a stable label for metrics; Engine.Explain names
// the purpose. Decision.Err turns a refusal into an EREFUSED *hearth.Error.
package policy
