package sqlite

import (
	"context"
)

// KEKIDs returns the distinct key-encryption key IDs of the keys in keys.db,
// sorted; none when keys.db holds no key.
func (db *DB) KEKIDs(ctx context.Context) ([]string, error) {
	return queryAll(ctx, db.keys, scanString, "key-encryption key IDs", "SELECT DISTINCT kek_id FROM keys ORDER BY kek_id")
}

func scanString(row rowScanner) (*string, error) {
	var s string
	if err := row.Scan(&s); err != nil {
		return nil, err
	}
	return &s, nil
}
