package audit_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/audit"
)

// ParseAnchors never panics, and what it accepts writes back as lines it
// accepts again, unchanged.
func FuzzParseAnchors(f *testing.F) {
	f.Add(`{"format":"hearth-audit/1","seq":3,"hash":"` + strings.Repeat("0f", 32) + `","time":"2026-12-01T14:00:00.123456789Z"}`)
	f.Add(`{"format":"hearth-ledger/1","seq":0,"hash":"","time":"2026-12-01T14:00:00Z","key_id":"a","signature":"AA=="}`)
	f.Add("\n\n{}")
	f.Fuzz(func(t *testing.T, s string) {
		as, err := audit.ParseAnchors(strings.NewReader(s))
		if err != nil {
			return
		}
		var b bytes.Buffer
		for _, a := range as {
			b.Write(a.Line())
		}
		again, err := audit.ParseAnchors(&b)
		if err != nil || len(again) != len(as) {
			t.Fatalf("re-parse: %d anchors, %v; want %d", len(again), err, len(as))
		}
		for i := range as {
			if !bytes.Equal(as[i].Line(), again[i].Line()) {
				t.Fatalf("anchor %d changed: %s vs %s", i, as[i].Line(), again[i].Line())
			}
		}
	})
}
