package hearth

import "context"

// KEKInventory tells which key-encryption keys wrap the stored data keys, so
// that a server can refuse to start with a key file that cannot unwrap them
// instead of answering every read with an error (SEC-ENCRYPT).
type KEKInventory interface {
	// KEKIDs returns the distinct IDs of the key-encryption keys that wrap
	// the stored data keys, sorted; none for a key store without keys.
	KEKIDs(ctx context.Context) ([]string, error)
}
