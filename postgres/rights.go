package postgres

import (
	"context"

	"github.com/hearth-iot/hearth"
)

// CreateRightsRequest implements hearth.RightsRequestStore.
func (db *DB) CreateRightsRequest(ctx context.Context, r *hearth.RightsRequest) error {
	panic(notYet)
}

// OpenRightsRequests implements hearth.RightsRequestStore.
func (db *DB) OpenRightsRequests(ctx context.Context, limit int) ([]hearth.RightsRequest, error) {
	panic(notYet)
}

// RightsRequest implements hearth.RightsRequestStore.
func (db *DB) RightsRequest(ctx context.Context, id string) (*hearth.RightsRequest, error) {
	panic(notYet)
}

// RightsRequestsOf implements hearth.RightsRequestStore.
func (db *DB) RightsRequestsOf(ctx context.Context, personID string) ([]hearth.RightsRequest, error) {
	panic(notYet)
}

// UpdateRightsRequest implements hearth.RightsRequestStore.
func (db *DB) UpdateRightsRequest(ctx context.Context, r *hearth.RightsRequest) error {
	panic(notYet)
}
