package rights_test

import (
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/rights"
)

// TestAuthorizeWithoutHousehold: with no household, a person with an
// account acts for themselves only; nobody acts for another person, a
// profile without an account included (RIGHT-REQUESTS, SEC-AUTHZ). A
// request opened so records no household.
func TestAuthorizeWithoutHousehold(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name          string
		actor, person string
		want          string // error code, "" for allowed
	}{
		{"self", e.adult, e.adult, ""},
		{"owner for an adult", e.owner, e.adult, hearth.EFORBIDDEN},
		{"owner for a profile", e.owner, e.guest, hearth.EFORBIDDEN},
		{"profile for itself", e.guest, e.guest, hearth.EFORBIDDEN},
		{"another household's owner", e.other, e.adult, hearth.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check, err := e.svc.Authorize(t.Context(), tt.actor, "", tt.person)
			if hearth.ErrorCode(err) != tt.want {
				t.Fatalf("Authorize: %v, want code %q", err, tt.want)
			}
			if err == nil && check != hearth.CheckReauthenticated {
				t.Errorf("identity check %q, want reauthenticated", check)
			}
		})
	}
	r, err := e.svc.Open(t.Context(), rights.Opening{Actor: e.adult, PersonID: e.adult, Type: hearth.RequestAccess, Password: password})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if r.HouseholdID != "" {
		t.Errorf("request household %q, want none", r.HouseholdID)
	}
	rs, err := e.svc.Requests(t.Context(), e.adult, "", e.adult)
	if err != nil || len(rs) != 1 || rs[0].ID != r.ID {
		t.Errorf("Requests = %v, %v; want the request just opened", rs, err)
	}
}
