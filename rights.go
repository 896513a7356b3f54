package hearth

import (
	"context"
	"time"
)

// RequestType is the right a person exercises with a RightsRequest.
type RequestType string

// The request types (RIGHT-REQUESTS).
const (
	RequestAccess        RequestType = "access"        // a copy of their data (export)
	RequestPortability   RequestType = "portability"   // their data moved to or from another backend (import)
	RequestRectification RequestType = "rectification" // a correction
	RequestErasure       RequestType = "erasure"       // deletion
	RequestRestriction   RequestType = "restriction"   // data kept but not used
	RequestObjection     RequestType = "objection"     // an objection to a purpose, to profiling or to marketing
	RequestADMOptOut     RequestType = "adm-opt-out"   // an opt-out of a purpose's solely automated decisions
	RequestADMReview     RequestType = "adm-review"    // a human review of a solely automated decision
)

// Valid reports whether t is one of the request types.
func (t RequestType) Valid() bool {
	switch t {
	case RequestAccess, RequestPortability, RequestRectification, RequestErasure,
		RequestRestriction, RequestObjection, RequestADMOptOut, RequestADMReview:
		return true
	}
	return false
}

// RequestStatus is where a rights request stands.
type RequestStatus string

// The request statuses. Received and in progress are open; done and
// refused are closed for good.
const (
	StatusReceived   RequestStatus = "received"
	StatusInProgress RequestStatus = "in-progress"
	StatusDone       RequestStatus = "done"
	StatusRefused    RequestStatus = "refused"
)

// Valid reports whether s is one of the request statuses.
func (s RequestStatus) Valid() bool {
	switch s {
	case StatusReceived, StatusInProgress, StatusDone, StatusRefused:
		return true
	}
	return false
}

// Open reports whether a request with status s still needs an answer.
func (s RequestStatus) Open() bool { return s == StatusReceived || s == StatusInProgress }

// IdentityCheck is how the identity of the person acting on a rights
// request was checked.
type IdentityCheck string

// The identity checks. Whoever acts re-authenticates (enters their password
// again); the check records in which capacity they act.
const (
	CheckReauthenticated IdentityCheck = "reauthenticated" // the person themselves, after re-entering their password
	CheckGuardian        IdentityCheck = "guardian"        // the guardian of a child, re-authenticated
	CheckOwner           IdentityCheck = "owner"           // the household owner for a profile without an account, re-authenticated
)

// RightsRequest is one exercise of a data subject's rights, kept in the
// rights request log (RIGHT-REQUESTS): what was asked, by whom, how their
// identity was checked, where it stands, its deadline and its outcome.
//
// The log is evidence that rights were answered, so it outlives the data it
// is about: it holds IDs, manifest IDs, times and plain-text outcomes, and
// no personal value in clear (no name, e-mail address or reading value);
// the person's own statement is sealed with their key, so an erasure leaves
// nothing readable about the person in it.
type RightsRequest struct {
	ID            string
	PersonID      string // whose rights: the data subject
	HouseholdID   string // the household the request was made in
	Type          RequestType
	Scope         string // what it covers in manifest or record IDs, such as "purpose:energy-insights"; "" for everything
	RequestedBy   string // the person who acted: the subject, their guardian or the owner
	IdentityCheck IdentityCheck
	Status        RequestStatus
	Created       time.Time
	Deadline      time.Time // one calendar month after Created (see policy.RequestDeadline)
	Completed     time.Time // zero while open
	Outcome       string    // plain text, never a personal value
	// Statement is what the person said with the request in their own
	// words (for a human review: their view of the decision), sealed with
	// their data key by package rights, so an erasure leaves it unreadable;
	// nil for none. The store keeps it byte for byte.
	Statement []byte
}

// RightsRequestStore keeps the rights request log. Implementations are safe
// for concurrent use.
type RightsRequestStore interface {
	// CreateRightsRequest stores a new request. It returns ENOTFOUND if
	// there is no such person and ECONFLICT if the ID is taken.
	CreateRightsRequest(ctx context.Context, r *RightsRequest) error
	// RightsRequest returns a request by ID, or ENOTFOUND.
	RightsRequest(ctx context.Context, id string) (*RightsRequest, error)
	// UpdateRightsRequest stores r's Status, Completed and Outcome. It
	// returns ENOTFOUND if there is no request with r.ID and ECONFLICT if
	// the stored request is closed already (done or refused).
	UpdateRightsRequest(ctx context.Context, r *RightsRequest) error
	// RightsRequestsOf lists a person's requests, newest first.
	RightsRequestsOf(ctx context.Context, personID string) ([]RightsRequest, error)
	// OpenRightsRequests lists at most limit open requests (received or in
	// progress), earliest deadline first, then oldest first. A limit of 0
	// means the store's default page size; a negative one is EINVALID.
	OpenRightsRequests(ctx context.Context, limit int) ([]RightsRequest, error)
}
