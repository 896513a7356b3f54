package policy_test

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth/examples"
)

// TestRetentionCutoff checks that the cutoff is the manifest's retention
// period before now, for every category of every example (RETENTION).
func TestRetentionCutoff(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, ex := range examples.All() {
		m, e := compileExample(t, ex)
		for _, c := range m.Categories {
			want := c.RetentionPeriod()
			d, ok := e.Retention(c.ID)
			if !ok || d != want || d <= 0 {
				t.Errorf("%s: Retention(%s) = %v, %v; want %v, true", ex.Name, c.ID, d, ok, want)
				continue
			}
			cut, ok := e.RetentionCutoff(c.ID, now)
			if !ok || !cut.Equal(now.Add(-d)) {
				t.Errorf("%s: RetentionCutoff(%s) = %v, %v; want %v", ex.Name, c.ID, cut, ok, now.Add(-d))
			}
		}
		if _, ok := e.RetentionCutoff("no-such-category", now); ok {
			t.Errorf("%s: RetentionCutoff of an undeclared category reported a cutoff", ex.Name)
		}
	}
}
