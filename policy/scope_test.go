package policy_test

import (
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// TestParseScope: the scope grammar, each refusal with a precise message
// (INT-CLIENTS).
func TestParseScope(t *testing.T) {
	tests := []struct {
		in       string
		kind, id string
		bad      bool
	}{
		{in: "profile", id: "profile"},
		{in: "households:read", id: "households:read"},
		{in: "rights", id: "rights"},
		{in: "household:hh_1", kind: "household", id: "hh_1"},
		{in: "device:dev_A-1.2", kind: "device", id: "dev_A-1.2"},
		{in: "purpose:energy_insights", kind: "purpose", id: "energy_insights"},
		{in: "", bad: true},
		{in: "openid", bad: true},
		{in: "households:delete", bad: true},
		{in: "household:", bad: true},
		{in: "household:a b", bad: true},
		{in: "household:a:b", bad: true},
		{in: "device:" + string(make([]byte, 65)), bad: true},
		{in: "Profile", bad: true},
	}
	for _, tt := range tests {
		sc, err := policy.ParseScope(tt.in)
		if tt.bad {
			if hearth.ErrorCode(err) != hearth.EINVALID || hearth.ErrorMessage(err) == "" {
				t.Errorf("ParseScope(%q) = %v, %v; want EINVALID with a message", tt.in, sc, err)
			}
			continue
		}
		if err != nil || sc.Kind != tt.kind || sc.Name != tt.id || sc.String() != tt.in {
			t.Errorf("ParseScope(%q) = %+v, %v; want kind %q id %q", tt.in, sc, err, tt.kind, tt.id)
		}
		if sc.Text() == "" || sc.Text() == tt.in && tt.kind == "" {
			t.Errorf("scope %q has no description", tt.in)
		}
	}
}

// TestScopeRegistered: a client is granted only the functions it was
// registered for; a narrowing only takes away, so it may always be asked
// for (INT-CLIENTS).
func TestScopeRegistered(t *testing.T) {
	reg := []string{"profile", "readings:read"}
	tests := []struct {
		scope string
		want  bool
	}{
		{"profile", true},
		{"readings:read", true},
		{"devices:read", false},
		{"household:hh_1", true},
		{"purpose:x", true},
		{"nonsense", false},
		{"household:", false},
	}
	for _, tt := range tests {
		if got := policy.ScopeRegistered(reg, tt.scope); got != tt.want {
			t.Errorf("ScopeRegistered(%v, %q) = %t, want %t", reg, tt.scope, got, tt.want)
		}
	}
	if err := policy.CheckRegistrable([]string{"profile", "household:hh_1"}); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("registering a narrowing: %v, want EINVALID", err)
	}
	if err := policy.CheckRegistrable([]string{"profile", "profile"}); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("registering a scope twice: %v, want EINVALID", err)
	}
	if err := policy.CheckRegistrable(nil); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("registering no scope: %v, want EINVALID", err)
	}
	if err := policy.CheckRegistrable([]string{"profile", "rights"}); err != nil {
		t.Errorf("registering functions: %v", err)
	}
}

// TestDecideClientCall: a client reads exactly the scope granted — the
// function, and within each narrowing kind only what it names; a route
// for no client is refused to every grant (INT-CLIENTS, INT-SAME-SCOPE,
// SEC-AUTHZ).
func TestDecideClientCall(t *testing.T) {
	grant := func(scopes ...string) policy.Grant {
		g, err := policy.ParseGrant(scopes)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	wide := grant("readings:read", "devices:read")
	narrow := grant("readings:read", "devices:read", "household:hh_1", "device:dev_1", "purpose:insights")
	tests := []struct {
		name  string
		g     policy.Grant
		c     policy.ClientCall
		allow bool
	}{
		{"granted function", wide, policy.ClientCall{Function: "readings:read", HouseholdID: "hh_2"}, true},
		{"ungranted function", wide, policy.ClientCall{Function: "consents:write", HouseholdID: "hh_1"}, false},
		{"no client route", wide, policy.ClientCall{}, false},
		{"named household", narrow, policy.ClientCall{Function: "readings:read", HouseholdID: "hh_1", DeviceID: "dev_1", Purpose: "insights"}, true},
		{"another household", narrow, policy.ClientCall{Function: "readings:read", HouseholdID: "hh_2", DeviceID: "dev_1", Purpose: "insights"}, false},
		{"another device", narrow, policy.ClientCall{Function: "devices:read", HouseholdID: "hh_1", DeviceID: "dev_2"}, false},
		{"another purpose", narrow, policy.ClientCall{Function: "readings:read", HouseholdID: "hh_1", DeviceID: "dev_1", Purpose: "marketing"}, false},
		{"all households", narrow, policy.ClientCall{Function: "devices:read", SpansHouseholds: true}, false},
		{"all devices", narrow, policy.ClientCall{Function: "devices:read", HouseholdID: "hh_1", SpansDevices: true}, false},
		{"all devices, no device narrowing", grant("devices:read", "household:hh_1"), policy.ClientCall{Function: "devices:read", HouseholdID: "hh_1", SpansDevices: true}, true},
		{"route names nothing", narrow, policy.ClientCall{Function: "devices:read"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := policy.DecideClientCall(tt.g, tt.c)
			if d.Allow != tt.allow {
				t.Fatalf("allow = %t (%s), want %t", d.Allow, d.Reason, tt.allow)
			}
			if err := d.Err(); tt.allow != (err == nil) || !tt.allow && (hearth.ErrorCode(err) != hearth.EFORBIDDEN || d.Reason == "") {
				t.Errorf("Err() = %v", err)
			}
		})
	}
	if _, err := policy.ParseGrant(make([]string, policy.MaxScopes+1)); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("too many scopes: %v, want EINVALID", err)
	}
}

// FuzzParseScope: any input parses or is refused with EINVALID; what
// parses prints back as itself and is a function or a narrowing of a
// known kind (INT-CLIENTS).
func FuzzParseScope(f *testing.F) {
	for _, s := range []string{"", "profile", "household:hh_1", "device:", "purpose:a.b-c", "x:y", ":", "household:é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := policy.ParseScope(s)
		if err != nil {
			if hearth.ErrorCode(err) != hearth.EINVALID || hearth.ErrorMessage(err) == "" {
				t.Fatalf("ParseScope(%q): %v, want EINVALID with a message", s, err)
			}
			return
		}
		if sc.String() != s {
			t.Fatalf("ParseScope(%q).String() = %q", s, sc.String())
		}
		switch sc.Kind {
		case "", policy.NarrowHousehold, policy.NarrowDevice, policy.NarrowPurpose:
		default:
			t.Fatalf("ParseScope(%q): kind %q", s, sc.Kind)
		}
		if policy.ScopeRegistered(nil, s) != (sc.Kind != "") {
			t.Fatalf("ScopeRegistered(nil, %q) = %t", s, !(sc.Kind != ""))
		}
	})
}
