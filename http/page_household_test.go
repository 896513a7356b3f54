package http_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	hhttp "github.com/hearth-iot/hearth/http"
)

// consentsAt matches the redirect to a person's consent page at a consent
// moment, capturing the household and the person.
var consentsAt = regexp.MustCompile(`^/households/([^/]+)/people/([^/]+)/consents\?moment=(setup|join)$`)

// setUpHousehold sets up a household named name on the page and returns
// its ID and the caller's person ID, read from the redirect to their
// consent page.
func (b *browser) setUpHousehold(name string) (hh, me string) {
	b.e.t.Helper()
	p := b.submit("/households/new", "/households", url.Values{"name": {name}})
	m := consentsAt.FindStringSubmatch(p.location)
	if p.status != 303 || m == nil || m[3] != "setup" {
		b.e.t.Fatalf("set up: status %d to %q, want 303 to the consent page with ?moment=setup", p.status, p.location)
	}
	return m[1], m[2]
}

// householder returns a new browser signed up as name, with a household
// called household set up on the page, its ID and the person's ID.
func (e *env) householder(name, household string) (b *browser, hh, me string) {
	e.t.Helper()
	b = e.newBrowser()
	b.signUp(name)
	hh, me = b.setUpHousehold(household)
	return b, hh, me
}

// token returns the browser's session token, to set things up through
// the API as the same person.
func (b *browser) token() string {
	b.e.t.Helper()
	u, _ := url.Parse(b.e.url)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "hearth_session" {
			return c.Value
		}
	}
	b.e.t.Fatal("the browser has no session cookie")
	return ""
}

var hadInput = regexp.MustCompile(`name="had" value="(\d+)"`)

// hadField returns the hidden "had" field of the page's form: what the
// form counted when it was shown.
func hadField(t *testing.T, p page) string {
	t.Helper()
	m := hadInput.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("the page has no had field: %.600s", p.body)
	}
	return m[1]
}

var inviteToken = regexp.MustCompile(`<code id="invite-token">([^<]+)</code>`)

// invite creates an invitation on the household page and returns its
// token, read from the page that shows it once.
func (b *browser) invite(hh, role string) string {
	b.e.t.Helper()
	p := b.submit("/households/"+hh, "/households/"+hh+"/invites", url.Values{"invite_role": {role}})
	wantPage(b.e.t, p, 201, "shown only this once", "/invites/accept?token=")
	m := inviteToken.FindStringSubmatch(p.body)
	if m == nil {
		b.e.t.Fatalf("the invitation page shows no token: %.600s", p.body)
	}
	return m[1]
}

// join redeems an invitation on the page and returns the joiner's person
// ID, read from the redirect to their consent page (?moment=join).
func (b *browser) join(hh, token string) string {
	b.e.t.Helper()
	p := b.submit("/invites/accept?token="+url.QueryEscape(token), "/invites/accept", url.Values{"token": {token}})
	m := consentsAt.FindStringSubmatch(p.location)
	if p.status != 303 || m == nil || m[1] != hh || m[3] != "join" {
		b.e.t.Fatalf("join: status %d to %q, want 303 to the consent page of %s with ?moment=join", p.status, p.location, hh)
	}
	return m[2]
}

// TestPageHouseholdSetUp sets up a household on its form: a missing name
// is shown beside the field; afterwards the creator lands on their consent
// page with ?moment=setup (CONSENT-MOMENTS), and the household page states
// every role's controls (CONSENT-MULTIUSER).
func TestPageHouseholdSetUp(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	b.signUp("Ada")
	wantPage(t, b.get("/households/new"), 200, `id="household-form"`, `name="name"`)
	p := b.post("/households", url.Values{"name": {"   "}})
	wantPage(t, p, 400, `aria-invalid="true"`, "Enter a name")
	long := strings.Repeat("x", 101)
	wantPage(t, b.post("/households", url.Values{"name": {long}}), 400, "too long", `value="`+long+`"`)
	hh, me := b.setUpHousehold("Flat 3")
	if !strings.HasPrefix(me, "per_") {
		t.Errorf("person ID %q", me)
	}
	wantPage(t, b.get("/households/"+hh), 200, "<h1>Flat 3</h1>", "Your role here: <strong>Owner</strong>",
		"Ada (you)", `id="role-owner"`, `id="role-adult"`, `id="role-child"`, `id="role-guest"`,
		"Manages the household", `id="invite-form"`, `id="person-form"`, "No devices yet",
		`href="/households/`+hh+`/devices/new"`)
	// A double submit sets up one household and says so.
	b.get("/households/new")
	form := url.Values{"name": {"Cabin"}, "had": {hadField(t, b.last)}}
	first := b.post("/households", form)
	if p := b.post("/households", form); p.status != 303 || p.location == first.location {
		t.Fatalf("second sending: status %d to %q, want 303 to the household", p.status, p.location)
	} else {
		wantPage(t, b.get(p.location), 200, "This form was sent already: Cabin is set up")
	}
	if n := strings.Count(b.get("/").body, "<h2 id=\"hh-"); n != 2 {
		t.Errorf("%d households after sending the form twice, want 2", n)
	}

	// Another person's household is not found, as in the API (SEC-AUTHZ).
	other := e.newBrowser()
	other.signUp("Eve")
	wantPage(t, other.get("/households/"+hh), 404, "No such household")
	wantPage(t, other.get("/households/"+hh+"/leave"), 404)
}

// TestPageHouseholdInvite invites a member: the role is chosen, the token
// is shown once with how to use it; the joiner lands on their consent page
// with ?moment=join (CONSENT-MOMENTS) and, like every member, sees what
// each role controls (CONSENT-MULTIUSER) but not the owners' forms. Bad,
// repeated and child invitations get a clear message beside the field.
func TestPageHouseholdInvite(t *testing.T) {
	e := newEnvWith(t, envOptions{server: func(c *hhttp.Config) { c.PublicURL = "https://hearth.example/" }})
	owner, hh, _ := e.householder("Ada", "Home")
	wantPage(t, owner.submit("/households/"+hh, "/households/"+hh+"/invites", url.Values{"invite_role": {""}}), 400, `id="e-invite_role"`, "Choose the role")
	p := owner.submit("/households/"+hh, "/households/"+hh+"/invites", url.Values{"invite_role": {"child"}})
	wantPage(t, p, 400, `id="e-invite_role"`, "added as a profile with a guardian", `<option value="child"`)
	token := owner.invite(hh, "adult")
	// The link is under the server's public address.
	wantPage(t, owner.last, 201, `<code id="invite-link">https://hearth.example/invites/accept?token=`+url.QueryEscape(token)+`</code>`)
	if strings.Contains(owner.get("/households/"+hh).body, token) {
		t.Error("the household page shows the invitation token again")
	}

	joiner := e.newBrowser()
	joiner.signUp("Ben")
	wantPage(t, joiner.get("/invites/accept?token="+url.QueryEscape(token)), 200, `id="invite-accept-form"`, `value="`+token+`"`, "7 days")
	wantPage(t, joiner.post("/invites/accept", url.Values{"token": {"not-a-token"}}), 400, `value="not-a-token"`, "not valid")
	wantPage(t, joiner.post("/invites/accept", url.Values{"token": {""}}), 400, `aria-invalid="true"`)
	ben := joiner.join(hh, token)
	// A double submit says plainly what happened.
	wantPage(t, joiner.submit("/invites/accept", "/invites/accept", url.Values{"token": {token}}), 409, "has been used, or you are a member already")

	page := joiner.get("/households/" + hh)
	wantPage(t, page, 200, "Your role here: <strong>Adult</strong>", "Ben (you)", "Ada",
		"Manages the household", "controls their own data", "a guardian in the household gives or withdraws consent",
		"Only an owner can invite people")
	for _, form := range []string{`id="invite-form"`, `id="person-form"`} {
		if strings.Contains(page.body, form) {
			t.Errorf("a member who is not an owner is offered %s", form)
		}
	}
	// The service refuses what the page does not offer.
	wantPage(t, joiner.post("/households/"+hh+"/invites", url.Values{"invite_role": {"owner"}}), 403, "Only the household&#39;s owners")
	if !strings.Contains(owner.get("/households/"+hh).body, `href="/households/`+hh+`/members/`+ben+`"`) {
		t.Error("the owner's page does not link to the new member")
	}
}

// TestPageHouseholdProfiles adds a child with a guardian and a guest
// profile without an account (RIGHT-UNREGISTERED, CONSENT-CHILD): the
// child needs a guardian, a guardian from another household is refused
// as the API refuses it, and the page shows the child with their guardian.
func TestPageHouseholdProfiles(t *testing.T) {
	e := newEnv(t)
	b, hh, me := e.householder("Ada", "Home")
	_, _, eve := e.householder("Eve", "Elsewhere")

	for _, c := range []struct {
		name string
		form url.Values
		want []string
	}{
		{"no role", url.Values{"display_name": {"Cleo"}}, []string{`id="e-role"`, `value="Cleo"`}},
		{"child without guardian", url.Values{"display_name": {"Cleo"}, "role": {"child"}}, []string{`id="e-guardian_id"`, "A child needs a guardian"}},
		{"guardian elsewhere", url.Values{"display_name": {"Cleo"}, "role": {"child"}, "guardian_id": {eve}}, []string{`id="e-guardian_id"`, "must be an owner or adult of this household"}},
		{"adult with guardian", url.Values{"display_name": {"Dan"}, "role": {"adult"}, "guardian_id": {me}}, []string{`id="e-guardian_id"`, "Only a child has a guardian"}},
		{"no name", url.Values{"display_name": {""}, "role": {"guest"}}, []string{`id="e-display_name"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantPage(t, b.submit("/households/"+hh, "/households/"+hh+"/people", c.form), 400, c.want...)
		})
	}
	p := b.submit("/households/"+hh, "/households/"+hh+"/people", url.Values{"display_name": {"Cleo"}, "role": {"child"}, "guardian_id": {me}})
	if p.status != 303 || p.location != "/households/"+hh {
		t.Fatalf("add child: status %d to %q", p.status, p.location)
	}
	wantPage(t, b.get(p.location), 200, "Cleo is added", "Cleo", "Child", "Ada: gives or withdraws consent for them",
		"A profile without an account: their guardian decides for them", "Cleo's consents", "Cleo's data")
	// A double submit adds one profile and says so.
	b.get("/households/" + hh)
	form := url.Values{"display_name": {"Gus"}, "role": {"guest"}, "had": {hadField(t, b.last)}}
	b.post("/households/"+hh+"/people", form)
	p = b.post("/households/"+hh+"/people", form)
	wantPage(t, b.get(p.location), 200, "This form was sent already: Gus is added")
	page := b.get("/households/" + hh)
	if n := strings.Count(page.body, "<h3>Gus</h3>"); n != 1 {
		t.Errorf("%d profiles called Gus after sending the form twice, want 1", n)
	}
	wantPage(t, page, 200, "Gus", "A profile without an account: an owner exercises their rights; nobody consents for them")

	// A profile is removed by erasing it: its page says so and offers no
	// removal form; a forged removal gets the service's refusal.
	gus := regexp.MustCompile(`id="member-(per_[^"]+)"[^<]*\s*<h3>Gus</h3>`).FindStringSubmatch(page.body)
	if gus == nil {
		t.Fatalf("no member entry for Gus: %.2000s", page.body)
	}
	mp := b.get("/households/" + hh + "/members/" + gus[1])
	wantPage(t, mp, 200, "removed by erasing everything about it", `/people/`+gus[1]+`/data`)
	if strings.Contains(mp.body, `id="remove-form"`) {
		t.Error("a profile's page offers the removal form")
	}
	wantPage(t, b.post("/households/"+hh+"/members/"+gus[1]+"/remove", nil), 409)
}

// TestPageHouseholdRoleAndRemove changes a member's role and removes
// them, the explanation shown before the form; a repeated removal says
// so, a member who is not an owner is refused, and a household ID from
// elsewhere is not found (SEC-AUTHZ).
func TestPageHouseholdRoleAndRemove(t *testing.T) {
	e := newEnv(t)
	owner, hh, me := e.householder("Ada", "Home")
	member := e.newBrowser()
	member.signUp("Ben")
	ben := member.join(hh, owner.invite(hh, "guest"))
	base := "/households/" + hh + "/members/" + ben

	wantPage(t, owner.get(base), 200, "<h1>Ben</h1>", `id="role-form"`, `<option value="guest" selected>`,
		"Their access to this household ends at once", "Nothing is erased", `id="remove-form"`, "data-confirm=")
	wantPage(t, owner.post(base+"/role", url.Values{"role": {"child"}, "guardian_id": {ben}}), 400, `id="e-guardian_id"`)
	wantPage(t, owner.post(base+"/role", url.Values{"role": {"wizard"}}), 400, `id="e-role"`, `<option value="">Choose a role</option>`)
	p := owner.submit(base, base+"/role", url.Values{"role": {"adult"}})
	if p.status != 303 {
		t.Fatalf("change role: status %d: %.600s", p.status, p.body)
	}
	wantPage(t, owner.get(p.location), 200, "The role is changed to an adult")
	wantPage(t, member.get("/households/"+hh), 200, "Your role here: <strong>Adult</strong>")

	// Only owners change roles or remove; the page says so, the service refuses.
	wantPage(t, member.get("/households/"+hh+"/members/"+me), 200, "Only an owner can change roles")
	wantPage(t, member.post("/households/"+hh+"/members/"+me+"/remove", nil), 403)
	// A household ID from elsewhere is not found.
	_, other, _ := e.householder("Eve", "Elsewhere")
	wantPage(t, owner.post("/households/"+other+"/members/"+ben+"/remove", nil), 404, "No such household")

	// The service's conflicts are shown above the form, with 409: the last
	// owner cannot step down, nor a child's guardian be removed.
	wantPage(t, owner.submit("/households/"+hh+"/members/"+me, "/households/"+hh+"/members/"+me+"/role", url.Values{"role": {"adult"}}),
		409, `id="form-error"`, "The household needs an owner")
	owner.submit("/households/"+hh, "/households/"+hh+"/people", url.Values{"display_name": {"Cleo"}, "role": {"child"}, "guardian_id": {ben}})
	wantPage(t, owner.submit(base, base+"/remove", nil), 409, `id="form-error"`, "guardian of a child", `id="remove-form"`)
	cleo := regexp.MustCompile(`id="member-(per_[^"]+)"[^<]*\s*<h3>Cleo</h3>`).FindStringSubmatch(owner.get("/households/" + hh).body)
	if cleo == nil {
		t.Fatal("no member entry for Cleo")
	}
	if p := owner.submit("/households/"+hh+"/members/"+cleo[1], "/households/"+hh+"/members/"+cleo[1]+"/role", url.Values{"role": {"child"}, "guardian_id": {me}}); p.status != 303 {
		t.Fatalf("change guardian: status %d: %.600s", p.status, p.body)
	}

	p = owner.submit(base, base+"/remove", nil)
	if p.status != 303 || p.location != "/households/"+hh {
		t.Fatalf("remove: status %d to %q", p.status, p.location)
	}
	wantPage(t, owner.get(p.location), 200, "The member is removed")
	wantPage(t, member.get("/households/"+hh), 404)
	p = owner.post(base+"/remove", nil)
	wantPage(t, owner.get(p.location), 200, "not a member of this household (any more): nothing was changed")
	wantPage(t, owner.get(base), 404, "No such person in the household")
}

// TestPageHouseholdLeave explains leaving before the form; the last owner
// cannot leave while others remain (the reason shown, 409); a member
// leaves, after which the household is not found to them, and leaving
// twice says nothing changed.
func TestPageHouseholdLeave(t *testing.T) {
	e := newEnv(t)
	owner, hh, me := e.householder("Ada", "Home")
	member := e.newBrowser()
	member.signUp("Ben")
	member.join(hh, owner.invite(hh, "adult"))

	own := owner.get("/households/" + hh + "/members/" + me)
	wantPage(t, own, 200, "Ada (you)", `id="role-form"`, `href="/households/`+hh+`/leave"`)
	if strings.Contains(own.body, `id="remove-form"`) {
		t.Error("one's own member page offers the removal form, not leaving")
	}
	wantPage(t, owner.get("/households/"+hh+"/leave"), 200, "<h1>Leave Home</h1>", "Nothing about you is erased",
		"make another member an owner first", `id="leave-form"`)
	wantPage(t, owner.post("/households/"+hh+"/leave", nil), 409, "make another member an owner first")

	wantPage(t, member.get("/households/"+hh+"/leave"), 200, "Your access to this household ends at once")
	p := member.post("/households/"+hh+"/leave", nil)
	if p.status != 303 || p.location != "/" {
		t.Fatalf("leave: status %d to %q", p.status, p.location)
	}
	wantPage(t, member.get("/"), 200, "You have left the household")
	wantPage(t, member.get("/households/"+hh), 404)
	member.get("/")
	p = member.post("/households/"+hh+"/leave", nil)
	wantPage(t, member.get(p.location), 200, "not a member of that household: nothing was changed")
}

// TestPageHouseholdDevices lists the household's devices, each linking to
// its page, and the way to add one.
func TestPageHouseholdDevices(t *testing.T) {
	e := newEnv(t)
	b, hh, _ := e.householder("Ada", "Home")
	id, _ := e.device(b.token(), hh)
	wantPage(t, b.get("/households/"+hh), 200, fmt.Sprintf(`href="/households/%s/devices/%s"`, hh, id), "ember-t1",
		"firmware 1.0.0", `href="/households/`+hh+`/devices/new"`, `href="/households/`+hh+`/transfers"`)
}
