package http_test

import (
	"fmt"
	"testing"
	"time"
)

// Adult B cannot read adult A's readings, whatever their role, until A
// shares the category with B, and cannot again once A revokes the share;
// the owner never reads them; A's share does not leak another category
// (SEC-AUTHZ, RIGHT-ACCESS-OTHERS). Real SQLite, real HTTP.
func TestReadsScopedToThePerson(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("Owner")
	a, aID := e.user("Alice")
	b, bID := e.user("Bob")
	hh := e.household(owner)
	for _, tok := range []string{a, b} {
		inv := e.want(e.do("POST", "/v1/households/"+hh+"/invites", owner, `{"role":"adult"}`), 201).json(t)["token"].(string)
		e.want(e.do("POST", "/v1/invites/accept", tok, fmt.Sprintf(`{"token":%q}`, inv)), 200)
	}
	dev, secret := e.device(owner, hh)
	now := time.Now().UTC().Format(time.RFC3339)
	for i, r := range [][2]string{{"room-temperature", `{"celsius":20}`}, {"occupancy", `{"occupied":true}`}} {
		e.want(e.do("POST", "/v1/devices/"+dev+"/readings", secret,
			fmt.Sprintf(`{"id":"a%d","time":%q,"category":%q,"person":%q,"values":%s}`, i, now, r[0], aID, r[1])), 201)
	}
	e.want(e.do("POST", "/v1/devices/"+dev+"/readings", secret,
		fmt.Sprintf(`{"id":"h1","time":%q,"category":"room-temperature","values":{"celsius":19}}`, now)), 201)

	// count returns how many readings of A's the caller reads.
	count := func(token string) int {
		t.Helper()
		page := e.want(e.do("GET", "/v1/households/"+hh+"/readings?purpose=heating-control", token, ""), 200).json(t)
		n := 0
		for _, r := range page["readings"].([]any) {
			if r.(map[string]any)["person_id"] == aID {
				n++
			}
		}
		return n
	}
	shares := "/v1/households/" + hh + "/people/" + aID + "/shares"
	share := fmt.Sprintf(`{"category":"room-temperature","with":%q}`, bID)
	steps := []struct {
		name          string
		do            func()
		alice, bob, o int
	}{
		{"before any share", func() {}, 2, 0, 0},
		{"A shares room temperature with B", func() { e.want(e.do("POST", shares, a, share), 200) }, 2, 1, 0},
		{"A revokes the share", func() { e.want(e.do("DELETE", shares, a, share), 204) }, 2, 0, 0},
	}
	for _, st := range steps {
		st.do()
		if got := [3]int{count(a), count(b), count(owner)}; got != [3]int{st.alice, st.bob, st.o} {
			t.Errorf("%s: A's readings read by A, B, owner = %v, want %v", st.name, got, [3]int{st.alice, st.bob, st.o})
		}
	}
	// Everyone adult reads the household's own reading.
	for _, tok := range []string{a, b, owner} {
		page := e.want(e.do("GET", "/v1/households/"+hh+"/readings?purpose=heating-control&person=-", tok, ""), 200).json(t)
		if n := len(page["readings"].([]any)); n != 1 {
			t.Errorf("household readings = %d, want 1", n)
		}
	}
	// Only A (or their guardian) shares A's data; shares list what is in force.
	problem(t, e.do("POST", shares, b, share), 403)
	problem(t, e.do("POST", shares, a, `{"category":"heart-rate","with":"`+bID+`"}`), 400)
	problem(t, e.do("POST", shares, a, `{"category":"occupancy","with":"per_nobody"}`), 404)
	if got := e.want(e.do("GET", shares, a, ""), 200).json(t)["shares"].([]any); len(got) != 0 {
		t.Errorf("shares after revoking = %v, want none", got)
	}
}
