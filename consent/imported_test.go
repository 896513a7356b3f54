package consent_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/consent"
)

// TestFoldImported: an imported decision (RIGHT-PORT) counts as the
// decision it records at its original time, and never overrides a later
// decision already folded.
func TestFoldImported(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	imported := func(typ hearth.EntryType, at time.Time) hearth.LedgerEntry {
		return hearth.LedgerEntry{Type: hearth.EntryConsentImported, Purpose: "p", Time: t0.Add(time.Hour * 100),
			Details: []byte(fmt.Sprintf(`{"original_type":%q,"original_time":%q,"original_hash":"abcd"}`, typ, at.Format(time.RFC3339)))}
	}
	native := func(typ hearth.EntryType, at time.Time) hearth.LedgerEntry {
		return hearth.LedgerEntry{Type: typ, Purpose: "p", Time: at}
	}
	tests := []struct {
		name    string
		entries []hearth.LedgerEntry
		want    consent.Status
		at      time.Time
	}{
		{"imported given", []hearth.LedgerEntry{imported(hearth.EntryConsentGiven, t0)}, consent.StatusGiven, t0},
		{"older import after a withdrawal", []hearth.LedgerEntry{native(hearth.EntryConsentWithdrawn, t0.Add(2*time.Hour)),
			imported(hearth.EntryConsentGiven, t0.Add(time.Hour))}, consent.StatusWithdrawn, t0.Add(2 * time.Hour)},
		{"newer import after a withdrawal", []hearth.LedgerEntry{native(hearth.EntryConsentWithdrawn, t0.Add(2*time.Hour)),
			imported(hearth.EntryConsentGiven, t0.Add(3*time.Hour))}, consent.StatusGiven, t0.Add(3 * time.Hour)},
		{"unreadable import counts for nothing", []hearth.LedgerEntry{{Type: hearth.EntryConsentImported, Purpose: "p", Details: []byte(`{}`)}},
			"", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := consent.Fold(tt.entries)["p"]
			if got.Status != tt.want || !got.Time.Equal(tt.at) {
				t.Errorf("Fold = %s at %v, want %s at %v", got.Status, got.Time, tt.want, tt.at)
			}
		})
	}
}
