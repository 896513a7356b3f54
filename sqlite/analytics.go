package sqlite

import (
	"context"

	"github.com/hearth-iot/hearth"
)

// SpendPrivacyBudget implements hearth.PrivacyBudgetStore.
func (db *DB) SpendPrivacyBudget(ctx context.Context, s hearth.PrivacySpend, maxEpsilon, maxDelta float64) error {
	return errTODO
}

// PrivacySpends implements hearth.PrivacyBudgetStore.
func (db *DB) PrivacySpends(ctx context.Context, dataset string) ([]hearth.PrivacySpend, error) {
	return nil, errTODO
}
