package sqlite

import (
	"context"
	"database/sql"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/internal/spendcheck"
)

// SpendPrivacyBudget records s if the dataset's spends plus s stay within
// maxEpsilon and maxDelta, else returns EREFUSED and records nothing. The
// sum and the insert are one transaction on the writer, which takes the
// write lock up front (BEGIN IMMEDIATE): no other spend, from this process
// or another on the same file, can come between them.
func (db *DB) SpendPrivacyBudget(ctx context.Context, s hearth.PrivacySpend, maxEpsilon, maxDelta float64) error {
	if err := spendcheck.Check(&s, maxEpsilon, maxDelta); err != nil {
		return err
	}
	return inTx(ctx, db.data, func(tx *sql.Tx) error {
		var eps, delta float64
		err := tx.QueryRowContext(ctx, "SELECT COALESCE(SUM(epsilon), 0), COALESCE(SUM(delta), 0) FROM privacy_spends WHERE dataset = ?",
			s.Dataset).Scan(&eps, &delta)
		if err != nil {
			return wrap("sum privacy spends", err, nil)
		}
		if err := spendcheck.Fits(eps, delta, &s, maxEpsilon, maxDelta); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO privacy_spends (dataset, epsilon, delta, query, actor, time) VALUES (?, ?, ?, ?, ?, ?)",
			s.Dataset, s.Epsilon, s.Delta, s.Query, s.Actor, ts(s.Time))
		return wrap("insert privacy spend", err, nil)
	})
}

// PrivacySpends lists the dataset's spends in the order they were recorded.
func (db *DB) PrivacySpends(ctx context.Context, dataset string) ([]hearth.PrivacySpend, error) {
	return queryAll(ctx, db.data, scanSpend, "privacy spends",
		"SELECT dataset, epsilon, delta, query, actor, time FROM privacy_spends WHERE dataset = ? ORDER BY seq", dataset)
}

func scanSpend(row rowScanner) (*hearth.PrivacySpend, error) {
	var s hearth.PrivacySpend
	var t int64
	if err := row.Scan(&s.Dataset, &s.Epsilon, &s.Delta, &s.Query, &s.Actor, &t); err != nil {
		return nil, err
	}
	s.Time = fromTS(t)
	return &s, nil
}
