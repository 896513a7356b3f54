package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
)

var _ hearth.RightsRequestStore = (*DB)(nil)

const rightsCols = "id, person_id, household_id, type, scope, requested_by, identity_check, status, created, deadline, completed, outcome, statement"

// CreateRightsRequest stores a new request; ENOTFOUND if there is no such
// person, ECONFLICT if the ID is taken.
func (db *DB) CreateRightsRequest(ctx context.Context, r *hearth.RightsRequest) error {
	tag, err := db.data.Exec(ctx, "INSERT INTO rights_requests ("+rightsCols+
		") SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 WHERE EXISTS (SELECT 1 FROM persons WHERE id = $2)",
		r.ID, r.PersonID, r.HouseholdID, string(r.Type), r.Scope, r.RequestedBy, string(r.IdentityCheck),
		string(r.Status), ts(r.Created), ts(r.Deadline), optTS(r.Completed), r.Outcome, r.Statement)
	if err != nil {
		return wrap("insert rights request", err, map[string]string{hearth.ECONFLICT: "a rights request with that ID exists"})
	}
	if tag.RowsAffected() == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "no such person")
	}
	return nil
}

// RightsRequest returns a request by ID, or ENOTFOUND.
func (db *DB) RightsRequest(ctx context.Context, id string) (*hearth.RightsRequest, error) {
	r, err := scanRightsRequest(db.data.QueryRow(ctx, "SELECT "+rightsCols+" FROM rights_requests WHERE id = $1", id))
	if err != nil {
		return nil, notFound("select rights request", err, "no such rights request")
	}
	return r, nil
}

// UpdateRightsRequest stores r's status, completion time and outcome;
// ENOTFOUND for an unknown ID, ECONFLICT if the request is closed. The
// request's row is locked while it is checked and changed, so of two nodes
// closing it at once the second gets ECONFLICT.
func (db *DB) UpdateRightsRequest(ctx context.Context, r *hearth.RightsRequest) error {
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, "SELECT status FROM rights_requests WHERE id = $1 FOR UPDATE", r.ID).Scan(&status)
		if err != nil {
			return notFound("select rights request", err, "no such rights request")
		}
		if !hearth.RequestStatus(status).Open() {
			return hearth.Errorf(hearth.ECONFLICT, "the request is closed already (%s)", status)
		}
		_, err = tx.Exec(ctx, "UPDATE rights_requests SET status = $1, completed = $2, outcome = $3 WHERE id = $4",
			string(r.Status), optTS(r.Completed), r.Outcome, r.ID)
		return wrap("update rights request", err, nil)
	})
}

// RightsRequestsOf lists a person's requests, newest first.
func (db *DB) RightsRequestsOf(ctx context.Context, personID string) ([]hearth.RightsRequest, error) {
	return queryAll(ctx, db.data, scanRightsRequest, "rights requests", "SELECT "+rightsCols+
		" FROM rights_requests WHERE person_id = $1 ORDER BY created DESC, id DESC", personID)
}

// OpenRightsRequests lists at most limit open requests, earliest deadline
// first (0 means 100); EINVALID for a negative limit.
func (db *DB) OpenRightsRequests(ctx context.Context, limit int) ([]hearth.RightsRequest, error) {
	if limit < 0 {
		return nil, hearth.FieldError("limit", "the limit must not be negative")
	}
	if limit == 0 {
		limit = defaultLimit
	}
	return queryAll(ctx, db.data, scanRightsRequest, "open rights requests", "SELECT "+rightsCols+
		" FROM rights_requests WHERE status IN ('received', 'in-progress') ORDER BY deadline, created, id LIMIT $1", limit)
}

func scanRightsRequest(row pgx.Row) (*hearth.RightsRequest, error) {
	var r hearth.RightsRequest
	var typ, check, status string
	var created, deadline int64
	var completed *int64
	if err := row.Scan(&r.ID, &r.PersonID, &r.HouseholdID, &typ, &r.Scope, &r.RequestedBy, &check, &status,
		&created, &deadline, &completed, &r.Outcome, &r.Statement); err != nil {
		return nil, err
	}
	r.Type, r.IdentityCheck, r.Status = hearth.RequestType(typ), hearth.IdentityCheck(check), hearth.RequestStatus(status)
	r.Created, r.Deadline, r.Completed = fromTS(created), fromTS(deadline), fromOptTS(completed)
	return &r, nil
}
