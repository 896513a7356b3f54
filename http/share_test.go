package http_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
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
		return e.readingsOf(t, token, hh, aID)
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

// A share counts only while both people stay members together without a
// break: A shares with B; B is removed and invited again, and reads none of
// A's readings, nor sees the share listed, until A shares again; the same
// when A (the sharer) leaves and comes back (RIGHT-ACCESS-OTHERS,
// SEC-AUTHZ). Real SQLite, real HTTP; the clock moves on between steps as
// it does between real requests.
func TestShareEndsWithMembership(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("Owner")
	a, aID := e.user("Alice")
	b, bID := e.user("Bob")
	hh := e.household(owner)
	join := func(tok string) {
		t.Helper()
		e.clock.Advance(time.Second)
		inv := e.want(e.do("POST", "/v1/households/"+hh+"/invites", owner, `{"role":"adult"}`), 201).json(t)["token"].(string)
		e.want(e.do("POST", "/v1/invites/accept", tok, fmt.Sprintf(`{"token":%q}`, inv)), 200)
	}
	join(a)
	join(b)
	dev, secret := e.device(owner, hh)
	e.want(e.do("POST", "/v1/devices/"+dev+"/readings", secret,
		fmt.Sprintf(`{"id":"a1","time":%q,"category":"room-temperature","person":%q,"values":{"celsius":20}}`,
			time.Now().UTC().Format(time.RFC3339), aID)), 201)

	// bobReads returns how many of A's readings B reads.
	bobReads := func() int {
		t.Helper()
		return e.readingsOf(t, b, hh, aID)
	}
	shares := "/v1/households/" + hh + "/people/" + aID + "/shares"
	listed := func() int {
		t.Helper()
		return len(e.want(e.do("GET", shares, a, ""), 200).json(t)["shares"].([]any))
	}
	share := func() {
		t.Helper()
		e.clock.Advance(time.Second)
		e.want(e.do("POST", shares, a, fmt.Sprintf(`{"category":"room-temperature","with":%q}`, bID)), 200)
	}
	steps := []struct {
		name          string
		do            func()
		bobReads, ads int
	}{
		{"A shares room temperature with B", share, 1, 1},
		{"the owner removes B", func() {
			e.clock.Advance(time.Second)
			e.want(e.do("DELETE", "/v1/households/"+hh+"/members/"+bID, owner, ""), 204)
		}, -1, 0},
		{"B is invited again", func() { join(b) }, 0, 0},
		{"A shares again", share, 1, 1},
		{"A leaves", func() {
			e.clock.Advance(time.Second)
			e.want(e.do("DELETE", "/v1/households/"+hh+"/members/"+aID, a, ""), 204)
		}, -1, -1},
		{"A is invited again", func() { join(a) }, 0, 0},
		{"A shares once more", share, 1, 1},
	}
	for _, st := range steps {
		st.do()
		if st.bobReads >= 0 {
			if got := bobReads(); got != st.bobReads {
				t.Errorf("%s: B reads %d of A's readings, want %d", st.name, got, st.bobReads)
			}
		}
		if st.ads >= 0 {
			if got := listed(); got != st.ads {
				t.Errorf("%s: A's shares listed = %d, want %d", st.name, got, st.ads)
			}
		}
	}
	// The ledger keeps every decision: three grants, none revoked.
	entries, err := e.db.LedgerEntriesFor(context.Background(), aID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[hearth.EntryType]int{}
	for _, en := range entries {
		kinds[en.Type]++
	}
	if kinds[hearth.EntryShareGranted] != 3 || kinds[hearth.EntryShareRevoked] != 0 {
		t.Errorf("share entries in A's ledger = %v, want 3 grants and no revocation", kinds)
	}
}

// readingsOf returns how many readings about person the holder of token
// reads in household hh (heating-control's readings, first page).
func (e *env) readingsOf(t *testing.T, token, hh, person string) int {
	t.Helper()
	page := e.want(e.do("GET", "/v1/households/"+hh+"/readings?purpose=heating-control", token, ""), 200).json(t)
	n := 0
	for _, r := range page["readings"].([]any) {
		if r.(map[string]any)["person_id"] == person {
			n++
		}
	}
	return n
}
