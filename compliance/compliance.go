// Package compliance reports every requirement's status and evidence: it
// reads the requirements (an embedded copy of REQUIREMENTS.md), the
// evidence map of the tests that cite each (generated from the test code
// into evidence.json), and the facts of a running instance (its manifest
// and configuration), and says for each requirement whether this instance
// meets it, and why not.
package compliance

//go:generate go run ./cmd/evidence -root .. -out evidence.json
