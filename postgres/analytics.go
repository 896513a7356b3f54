package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/internal/spendcheck"
)

// budgetLock is the transaction-scoped advisory lock that serialises
// privacy budget spends across every node sharing the data database.
const budgetLock int64 = 0x4865617274680005 // "Hearth" 5

// SpendPrivacyBudget records s if the dataset's spends plus s stay within
// maxEpsilon and maxDelta, else returns EREFUSED and records nothing. The
// transaction takes an advisory lock held until it ends
// (pg_advisory_xact_lock) before it sums the spends, so no other spend,
// from any node, can come between the sum and the insert.
func (db *DB) SpendPrivacyBudget(ctx context.Context, s hearth.PrivacySpend, maxEpsilon, maxDelta float64) error {
	if err := spendcheck.Check(&s, maxEpsilon, maxDelta); err != nil {
		return err
	}
	return inTx(ctx, db.data, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", budgetLock); err != nil {
			return wrap("lock privacy budgets", err, nil)
		}
		var eps, delta float64
		err := tx.QueryRow(ctx, "SELECT COALESCE(SUM(epsilon), 0), COALESCE(SUM(delta), 0) FROM privacy_spends WHERE dataset = $1",
			s.Dataset).Scan(&eps, &delta)
		if err != nil {
			return wrap("sum privacy spends", err, nil)
		}
		if err := spendcheck.Fits(eps, delta, &s, maxEpsilon, maxDelta); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO privacy_spends (dataset, epsilon, delta, query, actor, time) VALUES ($1, $2, $3, $4, $5, $6)",
			s.Dataset, s.Epsilon, s.Delta, s.Query, s.Actor, ts(s.Time))
		return wrap("insert privacy spend", err, nil)
	})
}

// PrivacySpends lists the dataset's spends in the order they were recorded.
func (db *DB) PrivacySpends(ctx context.Context, dataset string) ([]hearth.PrivacySpend, error) {
	return queryAll(ctx, db.data, scanSpend, "privacy spends",
		"SELECT dataset, epsilon, delta, query, actor, time FROM privacy_spends WHERE dataset = $1 ORDER BY seq", dataset)
}

func scanSpend(row pgx.Row) (*hearth.PrivacySpend, error) {
	var s hearth.PrivacySpend
	var t int64
	if err := row.Scan(&s.Dataset, &s.Epsilon, &s.Delta, &s.Query, &s.Actor, &t); err != nil {
		return nil, err
	}
	s.Time = fromTS(t)
	return &s, nil
}
