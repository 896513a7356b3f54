package seal_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/seal"
)

// RIGHT-ERASE across processes: two keyrings on one key store stand for
// two nodes. After node A shreds a subject, node B, which had the key in
// memory, still opens the subject's data until it Forgets the subject;
// then it cannot. Forget("") drops every key; the store is not touched.
func TestForgetAfterAnotherShred(t *testing.T) {
	ctx := context.Background()
	kek, err := seal.LoadOrCreateKEK(filepath.Join(t.TempDir(), "kek"))
	if err != nil {
		t.Fatalf("LoadOrCreateKEK: %v", err)
	}
	keys := newMapKeys()
	a, b := seal.NewKeyring(kek, keys), seal.NewKeyring(kek, keys)
	sealed, err := a.Seal(ctx, "p_1", []byte("secret"), nil)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	other, err := a.Seal(ctx, "p_2", []byte("other"), nil)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	for _, s := range [][]byte{sealed, other} {
		if _, err := b.Open(ctx, s, nil); err != nil { // B caches both keys
			t.Fatalf("Open on B: %v", err)
		}
	}
	if err := a.Shred(ctx, "p_1"); err != nil {
		t.Fatalf("Shred on A: %v", err)
	}
	if _, err := b.Open(ctx, sealed, nil); err != nil {
		t.Fatalf("Open on B before Forget: %v (the test needs B's cached key)", err)
	}
	b.Forget("p_1")
	if _, err := b.Open(ctx, sealed, nil); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("Open on B after Forget: error %v, want code %s", err, hearth.ENOTFOUND)
	}
	if got, err := b.Open(ctx, other, nil); err != nil || string(got) != "other" {
		t.Errorf("Open of another subject on B = %q, %v; want \"other\"", got, err)
	}
	keys.DeleteKey(ctx, "p_2") // as another node's shred would
	b.Forget("")
	if _, err := b.Open(ctx, other, nil); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("Open on B after Forget(\"\"): error %v, want code %s", err, hearth.ENOTFOUND)
	}
}
