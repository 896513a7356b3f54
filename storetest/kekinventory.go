package storetest

import (
	"testing"

	"github.com/hearth-iot/hearth"
)

// testKEKInventory covers KEKInventory: a fresh store reports no
// key-encryption key, a store with keys reports each KEK that wraps one,
// once, sorted, and a KEK whose keys were all deleted is no longer reported
// (SEC-ENCRYPT: a server refuses a key file that cannot unwrap the keys).
func testKEKInventory(t *testing.T, open func(t *testing.T) hearth.Store) {
	put := func(t *testing.T, s hearth.Store, subject, kek string) {
		t.Helper()
		must(t, "PutKey", s.PutKey(ctx(t), &hearth.WrappedKey{ID: hearth.NewID("k_"), Subject: subject,
			KEKID: kek, Wrapped: []byte("wrapped-" + subject), Created: at(0)}))
	}
	tests := []struct {
		name  string
		keys  [][2]string // subject, KEK ID
		erase []string    // subjects whose keys are deleted
		want  []string
	}{
		{"Fresh", nil, nil, nil},
		{"OneKEK", [][2]string{{"p_1", "kek_b"}, {"p_2", "kek_b"}}, nil, []string{"kek_b"}},
		{"TwoKEKsSorted", [][2]string{{"p_1", "kek_b"}, {"p_2", "kek_a"}, {"p_3", "kek_b"}}, nil, []string{"kek_a", "kek_b"}},
		{"DeletedKeysGone", [][2]string{{"p_1", "kek_b"}, {"p_2", "kek_a"}}, []string{"p_2"}, []string{"kek_b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			for _, k := range tt.keys {
				put(t, s, k[0], k[1])
			}
			for _, sub := range tt.erase {
				must(t, "DeleteKey", s.DeleteKey(ctx(t), sub))
			}
			got, err := s.KEKIDs(ctx(t))
			must(t, "KEKIDs", err)
			diff(t, "KEKIDs", got, tt.want)
		})
	}
}
