package consent_test

import (
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/consent"
)

// FoldShares keeps the latest grant or revocation per category and reader,
// ignoring other entries and unreadable details (RIGHT-ACCESS-OTHERS).
func TestFoldShares(t *testing.T) {
	entry := func(seq int64, typ hearth.EntryType, details string) hearth.LedgerEntry {
		return hearth.LedgerEntry{Seq: seq, Type: typ, Person: "a", Actor: "a", Details: []byte(details)}
	}
	tests := []struct {
		name    string
		entries []hearth.LedgerEntry
		want    []string // category>with
	}{
		{"none", nil, nil},
		{"granted", []hearth.LedgerEntry{entry(1, hearth.EntryShareGranted, `{"category":"c1","with":"b"}`)}, []string{"c1>b"}},
		{"revoked", []hearth.LedgerEntry{
			entry(1, hearth.EntryShareGranted, `{"category":"c1","with":"b"}`),
			entry(2, hearth.EntryShareRevoked, `{"category":"c1","with":"b"}`)}, nil},
		{"per reader and category", []hearth.LedgerEntry{
			entry(1, hearth.EntryShareGranted, `{"category":"c1","with":"b"}`),
			entry(2, hearth.EntryShareGranted, `{"category":"c2","with":"b"}`),
			entry(3, hearth.EntryShareGranted, `{"category":"c1","with":"c"}`),
			entry(4, hearth.EntryShareRevoked, `{"category":"c1","with":"b"}`)}, []string{"c2>b", "c1>c"}},
		{"other entries and bad details ignored", []hearth.LedgerEntry{
			entry(1, hearth.EntryConsentGiven, `{"category":"c1","with":"b"}`),
			entry(2, hearth.EntryShareGranted, `not json`),
			entry(3, hearth.EntryShareGranted, `{"category":"c1"}`)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range consent.FoldShares(tt.entries) {
				got = append(got, s.Category+">"+s.With)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("shares = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("shares = %v, want %v", got, tt.want)
				}
			}
		})
	}
}
