// Package audit keeps the hash-chained audit log of every access to
// personal data and every administrative action: who (Actor, and in
// Details its kind) touched whose data (Person), when (Time, to the
// nanosecond), through what (Method, and in Details the action) and for
// which purpose (Purpose).
//
// The log is a second chain, apart from the consent ledger, in format
// ledger.Audit ("hearth-audit/1": times hashed as Unix nanoseconds) on the
// store's hearth.AuditStore. It is kept in clear like the consent ledger,
// so an entry holds IDs, codes and route patterns only, never names,
// addresses, readings or free text.
//
// # Entries
//
// An entry is a hearth.LedgerEntry whose Type is one of the Types below;
// Person is the data subject ("" for an administrative action on no one);
// Actor is the person ID of whoever acted, or "client:<client_id>" for a
// third-party client, or "recipient:<id>" for a recipient; HouseholdID the
// household concerned; Purpose the purpose the access served, if any;
// Method the interface (web, app, voice, api, or ledger.MethodCLI and
// ledger.MethodSystem). Details is the JSON of a Details value:
// {"actor_kind": "self|member|guardian|operator|client|recipient|system",
// "action": "GET /v1/...", ...} with IDs only.
//
// # Group commit
//
// Logger.Record queues its entry and returns once the entry is durably
// stored: a single writer takes every entry queued meanwhile (up to
// MaxBatch) and appends them in one ledger append, one transaction. The
// queue is bounded (QueueSize): when it is full Record waits, until its
// context ends. Close stops taking entries and flushes those queued.
//
// # Anchoring
//
// A chain cannot show that entries were cut off its end or that the whole
// log was rewritten. An Anchor (the head's Seq, Hash and Time, optionally
// signed with an Ed25519 key) is written outside the database, by `hearth
// audit verify` and periodically by the server; CheckAnchor tells whether
// the chain still holds the anchored entry unchanged.
package audit

import (
	"encoding/json"

	"github.com/hearth-iot/hearth"
)

// The audit entry types.
const (
	Access     hearth.EntryType = "access"     // personal data was read, or changed, by someone
	Admin      hearth.EntryType = "admin"      // an administrative action: operator routes and commands
	Disclosure hearth.EntryType = "disclosure" // personal data was sent to a recipient outside Hearth
)

// ActorKind says who acted, relative to the data subject.
type ActorKind string

// The actor kinds.
const (
	Self      ActorKind = "self"      // the data subject themselves
	Member    ActorKind = "member"    // another member of the subject's household
	Guardian  ActorKind = "guardian"  // the subject's guardian (for a child)
	Operator  ActorKind = "operator"  // an operator, through the operator routes or CLI
	Client    ActorKind = "client"    // a third-party OAuth client acting for a person
	Recipient ActorKind = "recipient" // a recipient the data was disclosed to
	System    ActorKind = "system"    // Hearth itself (a scheduled job)
)

// Details is the JSON object an audit entry's Details holds. It carries
// IDs, codes and route patterns only.
type Details struct {
	ActorKind ActorKind `json:"actor_kind"`
	Action    string    `json:"action"`             // the route pattern ("GET /v1/...") or command ("operators grant")
	Via       string    `json:"via,omitempty"`      // for a client: the person it acts for
	Status    int       `json:"status,omitempty"`   // the HTTP status answered
	Target    string    `json:"target,omitempty"`   // the ID acted on, when not a person (device, request, client)
	Category  string    `json:"category,omitempty"` // a data category, when the action names one
}

// JSON returns d as compact JSON.
func (d Details) JSON() []byte {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // strings and an int always marshal
	}
	return b
}

// ParseDetails reads an entry's Details; unknown or missing fields are
// left zero.
func ParseDetails(b []byte) Details {
	var d Details
	if len(b) > 0 {
		_ = json.Unmarshal(b, &d) // the ledger stores only JSON objects; a foreign shape stays zero
	}
	return d
}
