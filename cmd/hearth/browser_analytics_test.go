package main

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAnalytics: PET-DP: the console's statistics page, for an
// operator signed in with an authenticator app (SEC-MFA): the budgets, a
// query run from the form with its groups withheld (nobody consented
// yet) and its ε charged, and a bad query shown beside its field; every
// page audited (axe-core, one h1, no CSP violation, 360 px).
func TestBrowserAnalytics(t *testing.T) {
	data := t.TempDir()
	p := startHearth(t, data)
	const email = "olive@example.org"
	a := signUp(t, p.HTTP, email)
	b := newTab(t, p.HTTP)
	signInOperator(t, b, a, data, email)

	b.wantStatus("statistics", b.open("/operator/analytics"), http.StatusOK)
	b.wantText("Privacy budgets", "product-statistics", "room-temperature", "Ask a question")
	b.audit("operator-analytics")

	b.do("choose people", chromedp.SetValue(chromedp.CSS("#f-dataset"), "people"))
	// One group per household at ε = 3: the households' count has noise of
	// scale 1/1.5, so an empty group reaches 10 with probability e⁻¹⁵.
	b.wantStatus("query", b.submit(map[string]string{"#f-epsilon": "3", "#f-max_groups": "1"}, "#query-form button[type=submit]"), http.StatusOK)
	b.wantText("Result", "4 of 4 groups withheld", "Withheld: too few households", "people has now spent ε 3 of 4")
	b.audit("operator-analytics-result")

	b.do("choose people", chromedp.SetValue(chromedp.CSS("#f-dataset"), "people"))
	b.wantStatus("too much", b.submit(map[string]string{"#f-epsilon": "3"}, "#query-form button[type=submit]"), http.StatusUnprocessableEntity)
	b.wantText("cannot cover this query", "nothing was charged")
	b.audit("operator-analytics-refused")
}
