package household_test

import (
	"slices"
	"testing"

	"github.com/hearth-iot/hearth"
)

// TestReaders checks who may read whose data, as the read path decides
// (SEC-AUTHZ, RIGHT-ACCESS-OTHERS, CONSENT-CHILD, RIGHT-UNREGISTERED):
// each account holder their own; the guardian a child's; the owners a
// profile without an account; nobody another adult's without a share;
// and a profile, having no account, nobody's.
func TestReaders(t *testing.T) {
	e := newEnv(t)
	owner, adult := e.person(t, "Owner"), e.person(t, "Adult")
	hh := e.household(t, owner)
	e.join(t, owner, hh, adult, hearth.RoleAdult)
	kid, err := e.svc.AddPerson(e.ctx, owner, hh, "Kid", hearth.RoleChild, owner)
	if err != nil {
		t.Fatalf("AddPerson: %v", err)
	}
	gran, err := e.svc.AddPerson(e.ctx, owner, hh, "Gran", hearth.RoleGuest, "")
	if err != nil {
		t.Fatalf("AddPerson: %v", err)
	}
	tests := []struct {
		name, caller, person string
		want                 []string // reader:reason, the person first
	}{
		{"owner's own", owner, owner, []string{owner + ":own_data"}},
		{"adult's own", adult, adult, []string{adult + ":own_data"}},
		{"child through the guardian", owner, kid.ID, []string{owner + ":child_data"}},
		{"profile through the owner", owner, gran.ID, []string{owner + ":managed_profile"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := e.svc.Readers(e.ctx, tt.caller, hh, tt.person)
			if err != nil {
				t.Fatalf("Readers: %v", err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.PersonID+":"+r.ReasonCode)
				if len(r.Categories) != 6 {
					t.Errorf("%s reads %d categories, want all 6 declared", r.PersonID, len(r.Categories))
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("readers = %v, want %v", got, tt.want)
			}
		})
	}
	stranger := e.person(t, "Stranger")
	_, err = e.svc.Readers(e.ctx, stranger, hh, owner)
	wantCode(t, err, hearth.ENOTFOUND)
}
