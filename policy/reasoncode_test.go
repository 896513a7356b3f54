package policy

import "testing"

// TestReasonOfCode finds every reason from its code, and no reason from
// an unknown code.
func TestReasonOfCode(t *testing.T) {
	for r := Reason(0); r < numReasons; r++ {
		if got, ok := ReasonOfCode(r.Code()); !ok || got != r {
			t.Errorf("ReasonOfCode(%q) = %v, %v, want %v", r.Code(), got, ok, r)
		}
	}
	if _, ok := ReasonOfCode("no_such_reason"); ok {
		t.Errorf("an unknown code gave a reason")
	}
}
