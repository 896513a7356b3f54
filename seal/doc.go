// Package seal provides envelope encryption per data subject (a person, or
// a household when no person is identified) and crypto-shredding (SEC-ENCRYPT).
//
// Each subject has its own AES-256-GCM data key, created on first use. Data
// keys are stored only wrapped (encrypted with AES-256-GCM) by the
// key-encryption key (KEK), which lives in a key file outside the database
// and outside the data directory; see OpenKEK. Destroying a subject's data key (Keyring.Shred) makes
// everything sealed for that subject unreadable, in the live database and in
// every backup of it.
//
// # Ciphertext format
//
// A sealed value is, in order:
//
//	1 byte    format and algorithm: 0x01 = AES-256-GCM with a 12-byte nonce
//	1 byte    n, the length of the key ID (1..255)
//	n bytes   the key ID (ASCII), naming the data key in the KeyStore
//	12 bytes  a random nonce
//	rest      the GCM output: the ciphertext and its 16-byte tag
//
// The caller's additional authenticated data (AAD) is not stored; the same
// AAD must be given to open. A new algorithm gets a new format byte, so old
// and new ciphertexts can coexist while keys rotate.
//
// # Wrapped data keys
//
// hearth.WrappedKey.Wrapped is a 12-byte random nonce followed by the
// AES-256-GCM sealing of the 32-byte data key under the KEK, with the AAD
// "hearth-dk-v1\x00" + key ID + "\x00" + subject, so a wrapped key cannot be
// moved to another subject or ID.
//
// # Blind-index keys
//
// A blind index (Keyring.BlindIndex) has a 32-byte HMAC-SHA256 key, wrapped
// the same way and kept in the same KeyStore under a reserved subject
// (ReservedPrefix + "blind-index/" + name), so it is never in hearth.db nor
// in its backups. It is never used as a data key.
package seal
