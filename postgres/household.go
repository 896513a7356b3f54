package postgres

import (
	"context"
	"time"

	"github.com/hearth-iot/hearth"
)

// AddMember implements hearth.HouseholdStore.
func (db *DB) AddMember(ctx context.Context, m *hearth.Member) error {
	panic(notYet)
}

// CreateHousehold implements hearth.HouseholdStore.
func (db *DB) CreateHousehold(ctx context.Context, h *hearth.Household, owner *hearth.Member) error {
	panic(notYet)
}

// CreateInvite implements hearth.HouseholdStore.
func (db *DB) CreateInvite(ctx context.Context, inv *hearth.Invite) error {
	panic(notYet)
}

// CreatePerson implements hearth.HouseholdStore.
func (db *DB) CreatePerson(ctx context.Context, p *hearth.Person, m *hearth.Member) error {
	panic(notYet)
}

// Household implements hearth.HouseholdStore.
func (db *DB) Household(ctx context.Context, id string) (*hearth.Household, error) {
	panic(notYet)
}

// HouseholdsOf implements hearth.HouseholdStore.
func (db *DB) HouseholdsOf(ctx context.Context, personID string) ([]hearth.Household, error) {
	panic(notYet)
}

// Member implements hearth.HouseholdStore.
func (db *DB) Member(ctx context.Context, householdID string, personID string) (*hearth.Member, error) {
	panic(notYet)
}

// Members implements hearth.HouseholdStore.
func (db *DB) Members(ctx context.Context, householdID string) ([]hearth.Member, error) {
	panic(notYet)
}

// Person implements hearth.HouseholdStore.
func (db *DB) Person(ctx context.Context, id string) (*hearth.Person, error) {
	panic(notYet)
}

// RedeemInvite implements hearth.HouseholdStore.
func (db *DB) RedeemInvite(ctx context.Context, tokenHash []byte, personID string, now time.Time) (*hearth.Member, error) {
	panic(notYet)
}
