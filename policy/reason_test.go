package policy_test

import (
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// TestReasons checks that every reason has a sentence and a distinct code.
func TestReasons(t *testing.T) {
	codes := map[string]policy.Reason{}
	for r := policy.ReasonActive; r.Code() != "unknown"; r++ { // every reason, up to the last
		if r.String() == "" || r.String() == "unknown reason" {
			t.Errorf("Reason(%d).String() = %q, want a sentence", r, r.String())
		}
		if prev, dup := codes[r.Code()]; dup || r.Code() == "" || r.Code() == "unknown" {
			t.Errorf("Reason(%d).Code() = %q, also Reason(%d); want a distinct code", r, r.Code(), prev)
		}
		codes[r.Code()] = r
	}
	if got := policy.Reason(200).String(); got != "unknown reason" {
		t.Errorf("Reason(200).String() = %q, want unknown reason", got)
	}
}

func TestExplain(t *testing.T) {
	e := rules(t)
	var s policy.Subject
	tests := []struct {
		name string
		d    policy.Decision
		want string
	}{
		{"names the purpose", e.Read(&s, "insights", "temp", now), "consent for insights has not been given"},
		{"no purpose", e.Ingest(&s, "weight", now), "this kind of data is not declared in the product's privacy manifest"},
		{"allowed", e.Read(&s, "heating", "temp", now), "a purpose with an active lawful basis uses this data"},
		{"unknown reason", policy.Decision{Reason: 200, Purpose: 0}, "unknown reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.Explain(tt.d); got != tt.want {
				t.Errorf("Explain = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecisionErr(t *testing.T) {
	e := rules(t)
	var s policy.Subject
	if err := e.Read(&s, "heating", "temp", now).Err(); err != nil {
		t.Errorf("allowed decision Err = %v, want nil", err)
	}
	err := e.Read(&s, "insights", "temp", now).Err()
	if hearth.ErrorCode(err) != hearth.EREFUSED || hearth.ErrorMessage(err) != policy.ReasonNoConsent.String() {
		t.Errorf("refused decision Err = %v (code %q), want EREFUSED with the reason", err, hearth.ErrorCode(err))
	}
}
