package main

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserHousehold: the household pages in Chromium, against the real
// binary. A person sets up a household on its form and lands on their
// consent page at the set-up moment; they invite a member (the code shown
// once), add a child with a guardian, and the invited person joins with
// the link, landing on their own consent page at the join moment
// (CONSENT-MOMENTS). Both see every member and what each role controls
// (CONSENT-MULTIUSER); the owner changes the member's role, and the
// member reads what leaving does before leaving. Every page passes the
// audit (axe-core, one h1, CSP, 360 px).
func TestBrowserHousehold(t *testing.T) {
	p := startHearth(t, t.TempDir())
	signUp(t, p.HTTP, "ada@example.org")
	signUp(t, p.HTTP, "ben@example.org")

	b := newTab(t, p.HTTP)
	b.open("/signin")
	b.wantStatus("sign in", b.submit(map[string]string{"#f-email": "ada@example.org", "#f-password": "correct horse battery staple ada@example.org"}, "main form button[type=submit]"), http.StatusOK)
	b.wantStatus("set-up page", b.open("/households/new"), http.StatusOK)
	b.audit("household-new")
	b.wantStatus("empty name", b.click("#household-form button[type=submit]"), http.StatusBadRequest)
	b.audit("household-new-error")
	b.wantStatus("set up", b.submit(map[string]string{"#f-name": "Home"}, "#household-form button[type=submit]"), http.StatusOK)
	m := regexp.MustCompile(`^/households/([^/]+)/people/([^/]+)/consents\?moment=setup$`).FindStringSubmatch(b.path())
	if m == nil {
		t.Fatalf("after setting up the browser is at %s, want the consent page at ?moment=setup", b.path())
	}
	hh, ada := m[1], m[2]
	b.names = map[string]string{hh: "home", ada: "ada"}
	if b.text("#moment-setup") == "" {
		t.Errorf("the consent page after setting up shows no set-up banner: %.600s", b.text("main"))
	}

	home := "/households/" + hh
	b.wantStatus("household page", b.open(home), http.StatusOK)
	b.wantText("What each role can control", "Manages the household", "No devices yet")
	b.noPreChecked()
	b.audit("household")

	// An invitation: the code is shown this once.
	b.do("choose a role", chromedp.SetValue(chromedp.CSS("#f-invite_role"), "adult"))
	b.wantStatus("invite", b.click("#invite-form button[type=submit]"), http.StatusCreated)
	link := b.text("#invite-link")
	if b.text("#invite-token") == "" || link == "" {
		t.Fatalf("no invitation shown: %.800s", b.text("main"))
	}
	b.audit("household-invite")

	// A child with their guardian.
	b.wantStatus("household page", b.open(home), http.StatusOK)
	b.fill(map[string]string{"#f-display_name": "Cleo"})
	b.do("choose child and guardian", chromedp.SetValue(chromedp.CSS("#f-role"), "child"),
		chromedp.SetValue(chromedp.CSS("#f-guardian_id"), ada))
	b.wantStatus("add a child", b.click("#person-form button[type=submit]"), http.StatusOK)
	b.wantText("Cleo is added", "Guardian")

	// The invited person joins with the link.
	nb := newTab(t, p.HTTP)
	nb.names = b.names
	nb.open("/signin")
	nb.wantStatus("sign in", nb.submit(map[string]string{"#f-email": "ben@example.org", "#f-password": "correct horse battery staple ben@example.org"}, "main form button[type=submit]"), http.StatusOK)
	nb.wantStatus("invitation link", nb.open(link), http.StatusOK)
	nb.audit("invite-accept")
	nb.wantStatus("join", nb.click("#invite-accept-form button[type=submit]"), http.StatusOK)
	m = regexp.MustCompile(`^/households/` + hh + `/people/([^/]+)/consents\?moment=join$`).FindStringSubmatch(nb.path())
	if m == nil {
		t.Fatalf("after joining the browser is at %s, want the consent page at ?moment=join", nb.path())
	}
	ben := m[1]
	b.names[ben] = "ben"
	if nb.text("#moment-join") == "" {
		t.Errorf("the consent page after joining shows no join banner: %.600s", nb.text("main"))
	}
	nb.wantStatus("household page", nb.open(home), http.StatusOK)
	nb.wantText("Your role here: Adult", "What each role can control", "Manages the household", "Only an owner can invite people")
	nb.audit("household-member-view")

	// The owner changes the member's role on the member's page.
	b.wantStatus("member page", b.open(home+"/members/"+ben), http.StatusOK)
	b.wantText("Their access to this household ends at once", "Nothing is erased")
	b.audit("household-member")
	b.do("choose guest", chromedp.SetValue(chromedp.CSS("#f-role"), "guest"))
	b.wantStatus("change role", b.click("#role-form button[type=submit]"), http.StatusOK)
	b.wantText("The role is changed to a guest")

	// The member reads what leaving does, then leaves.
	nb.wantStatus("leave page", nb.open(home+"/leave"), http.StatusOK)
	nb.wantText("Nothing about you is erased")
	nb.audit("household-leave")
	nb.wantStatus("leave", nb.click("#leave-form button[type=submit]"), http.StatusOK)
	nb.wantText("You have left the household")
	nb.wantStatus("household page after leaving", nb.open(home), http.StatusNotFound)
}
