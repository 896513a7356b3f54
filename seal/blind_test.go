package seal_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/seal"
)

// SEC-ENCRYPT: a blind index is keyed, stable across restarts (its key is
// stored wrapped under a reserved subject), differs per name, and its key
// can never seal or open data.
func TestBlindIndex(t *testing.T) {
	ctx := t.Context()
	kr, keys := newKeyring(t)
	ix, err := kr.BlindIndex(ctx, "email")
	if err != nil {
		t.Fatalf("BlindIndex: %v", err)
	}
	sum := ix.Sum([]byte("ada@example.org"))
	if len(sum) != 32 || bytes.Contains(sum, []byte("ada")) {
		t.Fatalf("Sum = %x, want 32 bytes of HMAC", sum)
	}
	wk, err := keys.Key(ctx, seal.ReservedPrefix+"blind-index/email")
	if err != nil {
		t.Fatalf("index key not stored under the reserved subject: %v", err)
	}
	again, err := kr.BlindIndex(ctx, "email") // as after a restart: loaded, not created
	if err != nil || !bytes.Equal(again.Sum([]byte("ada@example.org")), sum) {
		t.Errorf("BlindIndex again: %v; sums differ, want the stored key reused", err)
	}
	other, err := kr.BlindIndex(ctx, "phone")
	if err != nil || bytes.Equal(other.Sum([]byte("ada@example.org")), sum) {
		t.Errorf("another index: %v; same sum, want a key per name", err)
	}
	if _, err := kr.BlindIndex(ctx, ""); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("BlindIndex(\"\"): %v, want EINVALID", err)
	}
	if _, err := kr.Seal(ctx, wk.Subject, []byte("x"), nil); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("Seal for the reserved subject: %v, want EINVALID", err)
	}
	// A ciphertext naming the index key's ID is refused, not opened with it.
	forged := append([]byte{0x01, byte(len(wk.ID))}, wk.ID...)
	forged = append(forged, make([]byte, 12+16+1)...)
	if _, err := kr.Open(ctx, forged, nil); hearth.ErrorCode(err) != hearth.EINVALID || !strings.Contains(err.Error(), "not a data key") {
		t.Errorf("Open with the index key's ID: %v, want EINVALID: not a data key", err)
	}
}
