package sqlite

import (
	"context"

	"github.com/hearth-iot/hearth"
)

const keyCols = "id, subject, kek_id, wrapped, created"

// PutKey stores a wrapped key in keys.db; ECONFLICT if the subject has a key
// already or the key ID is taken.
func (db *DB) PutKey(ctx context.Context, k *hearth.WrappedKey) error {
	_, err := exec(ctx, db.keys, "INSERT INTO keys ("+keyCols+") VALUES (?, ?, ?, ?, ?)",
		k.ID, k.Subject, k.KEKID, k.Wrapped, ts(k.Created))
	return wrap("insert key", err, map[string]string{hearth.ECONFLICT: "that subject has a key already"})
}

// Key returns the subject's key, or ENOTFOUND.
func (db *DB) Key(ctx context.Context, subject string) (*hearth.WrappedKey, error) {
	return scanKey(db.keys.r.QueryRowContext(ctx, "SELECT "+keyCols+" FROM keys WHERE subject = ?", subject))
}

// KeyByID returns a key by its ID, or ENOTFOUND.
func (db *DB) KeyByID(ctx context.Context, id string) (*hearth.WrappedKey, error) {
	return scanKey(db.keys.r.QueryRowContext(ctx, "SELECT "+keyCols+" FROM keys WHERE id = ?", id))
}

func scanKey(row rowScanner) (*hearth.WrappedKey, error) {
	var k hearth.WrappedKey
	var created int64
	if err := row.Scan(&k.ID, &k.Subject, &k.KEKID, &k.Wrapped, &created); err != nil {
		return nil, notFound("select key", err, "no such key")
	}
	k.Created = fromTS(created)
	return &k, nil
}

// DeleteKey destroys the subject's keys (crypto-shredding). With
// secure_delete on, the key bytes are overwritten in the database file; call
// Checkpoint to clear them from the write-ahead log too. Deleting a subject
// without a key is not an error.
func (db *DB) DeleteKey(ctx context.Context, subject string) error {
	_, err := exec(ctx, db.keys, "DELETE FROM keys WHERE subject = ?", subject)
	return wrap("delete key", err, nil)
}
