package storetest

import (
	"testing"

	"github.com/hearth-iot/hearth"
)

// testKeys covers KeyStore. SEC-ENCRYPT: per-subject keys; RIGHT-ERASE:
// deleting a subject's key makes it gone (crypto-shredding).
func testKeys(t *testing.T, open func(t *testing.T) hearth.Store) {
	newKey := func(subject string) *hearth.WrappedKey {
		return &hearth.WrappedKey{ID: hearth.NewID("k_"), Subject: subject, KEKID: "kek_1",
			Wrapped: []byte("wrapped-" + subject), Created: at(0)}
	}
	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		k, other := newKey("p_1"), newKey("p_2")
		must(t, "PutKey", s.PutKey(ctx(t), k))
		must(t, "PutKey", s.PutKey(ctx(t), other))
		got, err := s.Key(ctx(t), "p_1")
		must(t, "Key", err)
		diff(t, "Key", got, k)
		got, err = s.KeyByID(ctx(t), k.ID)
		must(t, "KeyByID", err)
		diff(t, "KeyByID", got, k)
	})
	t.Run("DuplicateSubjectConflicts", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		k := newKey("p_1")
		must(t, "PutKey", s.PutKey(ctx(t), k))
		wantCode(t, "PutKey for a subject with a key", s.PutKey(ctx(t), newKey("p_1")), hearth.ECONFLICT)
		got, err := s.Key(ctx(t), "p_1")
		must(t, "Key", err)
		diff(t, "Key after refused PutKey", got, k)
	})
	t.Run("DeleteIsGone", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		k, other := newKey("p_1"), newKey("p_2")
		must(t, "PutKey", s.PutKey(ctx(t), k))
		must(t, "PutKey", s.PutKey(ctx(t), other))
		must(t, "DeleteKey", s.DeleteKey(ctx(t), "p_1"))
		_, err := s.Key(ctx(t), "p_1")
		wantCode(t, "Key after delete", err, hearth.ENOTFOUND)
		_, err = s.KeyByID(ctx(t), k.ID)
		wantCode(t, "KeyByID after delete", err, hearth.ENOTFOUND)
		got, err := s.Key(ctx(t), "p_2")
		must(t, "Key of another subject", err)
		diff(t, "Key of another subject", got, other)
	})
	t.Run("MissingNotFound", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.Key(ctx(t), "p_none")
		wantCode(t, "Key", err, hearth.ENOTFOUND)
		_, err = s.KeyByID(ctx(t), "k_none")
		wantCode(t, "KeyByID", err, hearth.ENOTFOUND)
	})
}
