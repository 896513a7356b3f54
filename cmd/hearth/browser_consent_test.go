package main

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// wantEqualChoices fails unless every consent request on the page shows
// give and refuse alike, at the desktop and the phone width
// (CONSENT-EQUAL).
func (b *tab) wantEqualChoices() {
	b.t.Helper()
	ids := eval[[]string](b, `Array.from(document.querySelectorAll('section.purpose[data-mode="ask"]')).map(function (s) { return s.id; })`)
	if len(ids) == 0 {
		b.t.Errorf("%s: no consent request to compare", b.path())
	}
	for _, width := range []int64{desktopWidth, phoneWidth} {
		b.do("width", chromedp.EmulateViewport(width, 900))
		for _, id := range ids {
			sameForm := fmt.Sprintf(`(function () { var g = document.querySelector("#%s button.choice[value=give]"), r = document.querySelector("#%s button.choice[value=refuse]"); return !!g && !!r && g.form === r.form; })()`, id, id)
			if !eval[bool](b, sameForm) {
				b.t.Errorf("%s: give and refuse of %s are not two buttons of one form (CONSENT-EQUAL)", b.path(), id)
			}
			for _, d := range b.choicesDiffer("#" + id) {
				b.t.Errorf("%s at %d px: %s of %s (CONSENT-EQUAL)", b.path(), width, d, id)
			}
		}
	}
	b.do("desktop width", chromedp.EmulateViewport(desktopWidth, 900))
}

// TestBrowserConsent: the consent page in Chromium, audited (axe-core,
// one h1, no CSP violation, 360 px) in each of its states: the set-up
// moment with every request asked, nothing pre-checked and give and
// refuse alike (CONSENT-OPTIN, CONSENT-EQUAL, CONSENT-MOMENTS); after
// refusing one purpose (its cool-off stated, CONSENT-NO-NAG) and giving
// another (withdraw in the same place, CONSENT-WITHDRAW); and a child's
// page as their guardian sees it (CONSENT-CHILD).
func TestBrowserConsent(t *testing.T) {
	p := startHearth(t, t.TempDir())
	email := "cora@example.org"
	a := signUp(t, p.HTTP, email)
	hh := a.call("POST", "/v1/households", map[string]string{"name": "Home"}, http.StatusCreated)["id"].(string)
	me := a.person()
	kid := a.call("POST", "/v1/households/"+hh+"/people", map[string]string{"display_name": "Kid", "role": "child", "guardian_id": me}, http.StatusCreated)["id"].(string)
	consents := "/households/" + hh + "/people/" + me + "/consents"

	b := newTab(t, p.HTTP)
	b.names = map[string]string{hh: "home", me: "cora", kid: "kid"}
	b.wantStatus("sign-in page", b.open("/signin"), http.StatusOK)
	b.wantStatus("sign in", b.submit(map[string]string{"#f-email": email, "#f-password": "correct horse battery staple " + email}, "main form button[type=submit]"), http.StatusOK)

	b.wantStatus("consent page at set-up", b.open(consents+"?moment=setup"), http.StatusOK)
	b.wantText("Why you are asked now", "Not given")
	b.noPreChecked()
	b.wantEqualChoices()
	b.audit("consents-setup")

	b.wantStatus("refuse", b.click("#purpose-weather-compensation button.choice[value=refuse]"), http.StatusOK)
	b.wantStatus("give", b.click("#purpose-energy-insights button.choice[value=give]"), http.StatusOK)
	b.wantText("Consent given for", "will not be asked again before")
	if got := b.text("#purpose-energy-insights .status"); got == "" || got[:13] != "Consent given" {
		t.Errorf("energy-insights status = %q, want Consent given", got)
	}
	b.do("open the change of mind", chromedp.Click(chromedp.CSS("#purpose-weather-compensation summary"), chromedp.NodeVisible))
	b.audit("consents-decided")

	b.wantStatus("withdraw", b.click("#purpose-energy-insights button.choice[value=withdraw]"), http.StatusOK)
	b.wantText("Consent withdrawn for")
	b.wantEqualChoices()

	b.wantStatus("the child's consent page", b.open("/households/"+hh+"/people/"+kid+"/consents"), http.StatusOK)
	b.wantText("You are deciding for Kid")
	b.wantEqualChoices()
	b.audit("consents-child")
}
