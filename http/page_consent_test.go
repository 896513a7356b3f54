package http_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/examples"
	hhttp "github.com/hearth-iot/hearth/http"
	"github.com/hearth-iot/hearth/ledger"
)

// browserAs returns a browser signed in with the session token of an API
// sign-in (e.user), so a test can set up with the API and act on pages.
func (e *env) browserAs(token string) *browser {
	e.t.Helper()
	b := e.newBrowser()
	u, err := url.Parse(e.url)
	if err != nil {
		e.t.Fatal(err)
	}
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: hhttp.SessionCookie, Value: token, Path: "/"}})
	return b
}

// consentPerson signs up name, sets up their household and returns their
// token, household, person ID and a browser signed in as them.
func (e *env) consentPerson(name string) (token, hh, person string, b *browser) {
	e.t.Helper()
	token, person = e.user(name)
	return token, e.household(token), person, e.browserAs(token)
}

// section returns the consent page's section of purpose, or fails.
func section(t *testing.T, p page, purpose string) string {
	t.Helper()
	start := strings.Index(p.body, `<section id="purpose-`+purpose+`"`)
	if start < 0 {
		t.Fatalf("the consent page has no section for %s: %.2000s", purpose, p.body)
	}
	end := strings.Index(p.body[start:], "</section>")
	if end < 0 {
		t.Fatalf("the section of %s does not end", purpose)
	}
	return p.body[start : start+end]
}

// consentStatus returns a purpose's status through the API.
func (e *env) consentStatus(token, hh, person, purpose string) string {
	e.t.Helper()
	cs := e.want(e.do("GET", "/v1/households/"+hh+"/people/"+person+"/consents", token, ""), 200).json(e.t)["consents"].(map[string]any)
	return cs[purpose].(map[string]any)["status"].(string)
}

var (
	giveButton   = `<button type="submit" class="choice" name="decision" value="give">`
	refuseButton = `<button type="submit" class="choice" name="decision" value="refuse">`
	formOpen     = regexp.MustCompile(`<form [^>]*>`)
)

// TestPageConsentChoices checks the consent page asks for each
// consent-based purpose on its own, with nothing chosen in advance and
// give and refuse as two buttons of one form with the same class
// (CONSENT-OPTIN, CONSENT-GRANULAR, CONSENT-EQUAL), each request's facts
// shown; then that giving and withdrawing change the state and are recorded
// with the request shown before them (CONSENT-WITHDRAW, CONSENT-LEDGER), a
// refusal is not asked again within the cool-off (CONSENT-NO-NAG) and a
// double submit changes nothing.
func TestPageConsentChoices(t *testing.T) {
	e := newEnv(t)
	token, hh, me, b := e.consentPerson("Ann")
	path := "/households/" + hh + "/people/" + me + "/consents"

	p := b.get(path)
	wantPage(t, p, 200, "<h1>Your consents</h1>", "Receipts", "no receipts")
	for _, bad := range []string{"checked", `type="checkbox"`} {
		if strings.Contains(p.body, bad) {
			t.Errorf("the consent page contains %q: nothing may be chosen in advance", bad)
		}
	}
	for _, purpose := range []string{"energy-insights", "weather-compensation"} {
		s := section(t, p, purpose)
		if n := len(formOpen.FindAllString(s, -1)); n != 1 {
			t.Errorf("%s: %d forms, want give and refuse in one", purpose, n)
		}
		for _, want := range []string{giveButton, refuseButton, `class="status off"`, "Not given", "Who asks", "Ember Home Ltd",
			"What data", "Who receives it", "How to withdraw", `action="` + path + "/" + purpose + `"`} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: the section lacks %q: %s", purpose, want, s)
			}
		}
	}
	if s := section(t, p, "weather-compensation"); !strings.Contains(s, "Forecast") {
		t.Errorf("weather-compensation does not name its recipient: %s", s)
	}

	// Give, then withdraw, in the same place.
	r := b.post(path+"/energy-insights", url.Values{"decision": {"give"}})
	if r.status != 303 || r.location != path+"#purpose-energy-insights" {
		t.Fatalf("give: status %d to %q, want 303 back to the section", r.status, r.location)
	}
	p = b.get(path)
	wantPage(t, p, 200, "Consent given for “Show your heating history and energy-saving tips”")
	s := section(t, p, "energy-insights")
	for _, want := range []string{`class="status on"`, "Consent given on", "by you", `value="withdraw"`, "Processing for this purpose then stops"} {
		if !strings.Contains(s, want) {
			t.Errorf("after giving, the section lacks %q: %s", want, s)
		}
	}
	if got := e.consentStatus(token, hh, me, "energy-insights"); got != "given" {
		t.Errorf("status after give = %q, want given", got)
	}
	r = b.post(path+"/energy-insights", url.Values{"decision": {"give"}})
	if f := b.get(r.location); !strings.Contains(f.body, "Nothing changed") {
		t.Errorf("a second give does not say nothing changed: %.1500s", f.body)
	}
	b.post(path+"/energy-insights", url.Values{"decision": {"withdraw"}})
	p = b.get(path)
	wantPage(t, p, 200, "Consent withdrawn for", "Consent withdrawn on")
	if s := section(t, p, "energy-insights"); !strings.Contains(s, giveButton) || !strings.Contains(s, refuseButton) {
		t.Errorf("after withdrawing, the request is not shown again: %s", s)
	}
	if got := e.consentStatus(token, hh, me, "energy-insights"); got != "withdrawn" {
		t.Errorf("status after withdraw = %q, want withdrawn", got)
	}
	if _, s, _ := strings.Cut(p.body, `<section id="receipts"`); !strings.Contains(s, "<td>Show your heating history") || !strings.Contains(s, "<td>web</td>") {
		t.Errorf("the receipts lack the consent given on the web: %s", s)
	}

	if r := b.get("/v1/households/" + hh + "/people/" + me + "/consents/receipts"); r.status != 200 || !strings.Contains(r.body, `"collectionMethod":"web"`) {
		t.Errorf("the receipts link: status %d, body %.300s; want the JSON receipts", r.status, r.body)
	}

	if _, h, _ := strings.Cut(p.body, `<section id="history"`); !strings.Contains(h, "<td>Withdrawn</td><td>you</td><td>web</td>") ||
		!strings.Contains(h, "<td>Given</td><td>you</td><td>web</td>") {
		t.Errorf("the history lacks the give and the withdrawal: %.1500s", h)
	}
	if r := b.get("/v1/households/" + hh + "/people/" + me + "/consents/history"); r.status != 200 || !strings.Contains(r.body, `"status":"withdrawn"`) {
		t.Errorf("the history link: status %d, body %.300s; want the JSON history", r.status, r.body)
	}

	// The ledger holds the request shown before the decision, made on the web.
	es, err := e.db.LedgerEntriesFor(context.Background(), me)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, en := range es {
		if en.Purpose == "energy-insights" {
			got = append(got, string(en.Type)+"/"+string(en.Method))
		}
	}
	want := []string{"consent-requested/web", "notice-shown/web", "consent-given/web", "consent-withdrawn/web"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ledger = %v, want %v (a page view records nothing; the answer records the request shown)", got, want)
	}

	// A refusal: stated plainly, not asked again within the cool-off.
	b.get(path)
	b.post(path+"/weather-compensation", url.Values{"decision": {"refuse"}})
	p = b.get(path)
	s = section(t, p, "weather-compensation")
	for _, want := range []string{`data-mode="cool-off"`, "Refused on", "will not be asked again before"} {
		if !strings.Contains(s, want) {
			t.Errorf("after refusing, the section lacks %q: %s", want, s)
		}
	}
	if strings.Contains(s, refuseButton) {
		t.Errorf("the refused request is offered again within the cool-off: %s", s)
	}
	r = b.post(path+"/weather-compensation", url.Values{"decision": {"refuse"}})
	if f := b.get(r.location); !strings.Contains(f.body, "Nothing changed") {
		t.Errorf("a second refusal does not say nothing changed: %.1500s", f.body)
	}
	// A change of mind inside the cool-off: the person may still give.
	b.post(path+"/weather-compensation", url.Values{"decision": {"give"}})
	if got := e.consentStatus(token, hh, me, "weather-compensation"); got != "given" {
		t.Errorf("giving inside the cool-off: status %q, want given", got)
	}
}

// TestPageConsentBadInput checks a tampered purpose, decision or path
// fails with a clear message and changes nothing: another household's
// person is not found, as in the API (SEC-AUTHZ, CONSENT-MULTIUSER).
func TestPageConsentBadInput(t *testing.T) {
	e := newEnv(t)
	token, hh, me, b := e.consentPerson("Ann")
	other, otherHH, otherID, _ := e.consentPerson("Bob")
	path := "/households/" + hh + "/people/" + me + "/consents"
	tests := []struct {
		name, path, decision string
		status               int
		text                 string
	}{
		{"undeclared purpose", path + "/selling-data", "give", 404, "No such purpose"},
		{"purpose not on consent", path + "/heating-control", "give", 400, "consent"},
		{"bad decision", path + "/energy-insights", "maybe", 400, "Choose give, refuse or withdraw."},
		{"another household's person", "/households/" + otherHH + "/people/" + otherID + "/consents/energy-insights", "give", 404, "Not found"},
		{"their person in my household", "/households/" + hh + "/people/" + otherID + "/consents/energy-insights", "give", 404, "Not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.get(path)
			wantPage(t, b.post(tt.path, url.Values{"decision": {tt.decision}}), tt.status, tt.text)
		})
	}
	if p := b.get("/households/" + otherHH + "/people/" + otherID + "/consents"); p.status != 404 {
		t.Errorf("another household's consent page: status %d, want 404", p.status)
	}
	if got := e.consentStatus(token, hh, me, "energy-insights"); got != "not-given" {
		t.Errorf("after refused posts: %s, want not-given", got)
	}
	if got := e.consentStatus(other, otherHH, otherID, "energy-insights"); got != "not-given" {
		t.Errorf("the other household's person after refused posts: %s, want not-given", got)
	}
}

// TestPageConsentChild checks a child's consent page is reached by their
// guardian, who decides for them, and by no other adult of the household
// (CONSENT-CHILD, CONSENT-MULTIUSER).
func TestPageConsentChild(t *testing.T) {
	e := newEnv(t)
	owner, ownerID := e.user("Owner")
	adult, _ := e.user("Adult")
	hh := e.household(owner)
	inv := e.want(e.do("POST", "/v1/households/"+hh+"/invites", owner, `{"role":"adult"}`), 201).json(t)["token"].(string)
	e.want(e.do("POST", "/v1/invites/accept", adult, fmt.Sprintf(`{"token":%q}`, inv)), 200)
	kid := e.want(e.do("POST", "/v1/households/"+hh+"/people", owner,
		fmt.Sprintf(`{"display_name":"Kid","role":"child","guardian_id":%q}`, ownerID)), 201).json(t)["id"].(string)
	path := "/households/" + hh + "/people/" + kid + "/consents"

	g := e.browserAs(owner)
	wantPage(t, g.get(path), 200, "<h1>Consents for Kid</h1>", "You are deciding for Kid", "As their guardian", giveButton, refuseButton)
	r := g.post(path+"/energy-insights", url.Values{"decision": {"give"}})
	if r.status != 303 {
		t.Fatalf("the guardian's give: status %d, want 303: %.600s", r.status, r.body)
	}
	wantPage(t, g.get(path), 200, "Consent given on", "by you")
	if got := e.consentStatus(owner, hh, kid, "energy-insights"); got != "given" {
		t.Errorf("the child's consent after the guardian gave it = %q, want given", got)
	}

	// Another adult: refused as the API refuses them, and nothing changes.
	api := e.do("GET", "/v1/households/"+hh+"/people/"+kid+"/consents", adult, "").status
	o := e.browserAs(adult)
	if p := o.get(path); p.status != api || p.status == 200 {
		t.Errorf("another adult's GET of the child's page: status %d, want the API's %d (not 200)", p.status, api)
	}
	o.get("/")
	if p := o.post(path+"/energy-insights", url.Values{"decision": {"withdraw"}}); p.status != api {
		t.Errorf("another adult's withdraw for the child: status %d, want %d", p.status, api)
	}
	if got := e.consentStatus(owner, hh, kid, "energy-insights"); got != "given" {
		t.Errorf("the child's consent after another adult's post = %q, want given", got)
	}

	// An adult's profile without an account: nobody consents for another
	// adult, and the page answers as the API does (CONSENT-MULTIUSER).
	gran := e.want(e.do("POST", "/v1/households/"+hh+"/people", owner, `{"display_name":"Gran","role":"adult"}`), 201).json(t)["id"].(string)
	api = e.do("GET", "/v1/households/"+hh+"/people/"+gran+"/consents", owner, "").status
	if p := g.get("/households/" + hh + "/people/" + gran + "/consents"); p.status != api || p.status == 200 {
		t.Errorf("the owner's GET of an adult profile's consent page: status %d, want the API's %d (not 200)", p.status, api)
	}
}

// TestPageConsentMoments checks the consent page says why the person is
// asked now, for each moment a link may name, and ignores any other
// (CONSENT-MOMENTS); the moment survives a decision.
func TestPageConsentMoments(t *testing.T) {
	e := newEnv(t)
	token, hh, me, b := e.consentPerson("Ann")
	path := "/households/" + hh + "/people/" + me + "/consents"
	for moment, text := range map[string]string{
		"setup":   "You have just set up your household",
		"join":    "You have just joined this household",
		"feature": "You switched on a feature that needs consent",
		"change":  "privacy information has changed",
	} {
		t.Run(moment, func(t *testing.T) {
			wantPage(t, b.get(path+"?moment="+moment), 200, `id="moment-`+moment+`"`, "Why you are asked now", text)
		})
	}
	if p := b.get(path + "?moment=%3Cscript%3E"); strings.Contains(p.body, "Why you are asked now") {
		t.Errorf("an unknown moment shows a banner")
	}
	b.get(path + "?moment=setup")
	r := b.post(path+"/energy-insights", url.Values{"decision": {"give"}, "moment": {"setup"}})
	if r.location != path+"?moment=setup#purpose-energy-insights" {
		t.Errorf("after a decision: to %q, want the same moment", r.location)
	}
	if got := e.consentStatus(token, hh, me, "energy-insights"); got != "given" {
		t.Errorf("status after giving from the set-up moment = %q, want given", got)
	}

	// The feature moment names the feature and the consents it still
	// needs, and keeps them after a decision.
	e.want(e.do("POST", "/v1/households/"+hh+"/people/"+me+"/features/weather-compensation", token, `{"enabled":true}`), 200)
	feature := path + "?moment=feature&feature=weather-compensation"
	wantPage(t, b.get(feature), 200, "“Weather-aware heating” is switched on", "never gives consent",
		`<a href="#purpose-weather-compensation">Adjust heating to the local weather forecast</a>`, `name="feature" value="weather-compensation"`)
	r = b.post(path+"/weather-compensation", url.Values{"decision": {"give"}, "moment": {"feature"}, "feature": {"weather-compensation"}})
	if r.location != feature+"#purpose-weather-compensation" {
		t.Errorf("after a decision at the feature moment: to %q, want %q", r.location, feature+"#purpose-weather-compensation")
	}
	wantPage(t, b.get(feature), 200, "None of its purposes is waiting for consent")
	wantPage(t, b.get(path+"?moment=feature&feature=jetpack"), 200, "You switched on a feature that needs consent")

	// The change moment: a choice made under an earlier notice says so.
	if s := section(t, b.get(path+"?moment=change"), "energy-insights"); strings.Contains(s, `class="earlier"`) {
		t.Errorf("a choice made under the notice in force is said to be earlier: %s", s)
	}
	old := hearth.LedgerEntry{Type: hearth.EntryConsentGiven, Person: me, Purpose: "energy-insights", HouseholdID: hh,
		ManifestVersion: "2020-01", NoticeVersion: "2020-01", Method: hearth.MethodApp, Actor: me}
	if _, err := ledger.New(e.db, e.clock.Now).Append(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	s := section(t, b.get(path+"?moment=change"), "energy-insights")
	if !strings.Contains(s, "That choice was made under version 2020-01 of the privacy notice") {
		t.Errorf("a choice made under an earlier notice does not say so: %s", s)
	}
}

// TestPageConsentExplicit checks a purpose on special category data shows
// its explicit statement word for word, posts it back with the give
// button, and records it verbatim; a statement changed on the way is
// refused beside the purpose, changing nothing (CONSENT-EXPLICIT).
func TestPageConsentExplicit(t *testing.T) {
	e := newEnvWith(t, envOptions{manifest: [2]string{examples.FitnessTrackerName, string(examples.FitnessTracker)}})
	token, hh, me, b := e.consentPerson("Ann")
	path := "/households/" + hh + "/people/" + me + "/consents"
	s := section(t, b.get(path), "health-insights")
	m := regexp.MustCompile(`<blockquote id="st-health-insights"[^>]*>([^<]*)</blockquote>`).FindStringSubmatch(s)
	h := regexp.MustCompile(`name="statement" value="([^"]*)"`).FindStringSubmatch(s)
	if m == nil || h == nil {
		t.Fatalf("the section shows no statement, or does not post it: %s", s)
	}
	statement := html.UnescapeString(h[1])
	if html.UnescapeString(m[1]) != statement || !strings.HasPrefix(statement, "I agree that Stride collects my heart rate") {
		t.Fatalf("statement shown %q, posted %q; want the manifest's, the same", m[1], statement)
	}
	for _, want := range []string{"Give explicit consent</button>", refuseButton} {
		if !strings.Contains(s, want) {
			t.Errorf("the section lacks %q: %s", want, s)
		}
	}

	p := b.post(path+"/health-insights", url.Values{"decision": {"give"}, "statement": {"I agree to everything."}})
	wantPage(t, p, 400, "word for word")
	if s := section(t, p, "health-insights"); !strings.Contains(s, `class="field-error"`) {
		t.Errorf("the error is not beside the purpose: %s", s)
	}
	if got := e.consentStatus(token, hh, me, "health-insights"); got != "not-given" {
		t.Fatalf("after a changed statement: %s, want not-given", got)
	}

	if p := b.post(path+"/health-insights", url.Values{"decision": {"give"}, "statement": {statement}}); p.status != 303 {
		t.Fatalf("give with the statement shown: status %d: %.600s", p.status, p.body)
	}
	es, err := e.db.LedgerEntriesFor(context.Background(), me)
	if err != nil {
		t.Fatal(err)
	}
	if last := es[len(es)-1]; last.Type != hearth.EntryConsentGiven || last.Statement != statement {
		t.Errorf("last ledger entry = %s with statement %q, want consent-given with %q", last.Type, last.Statement, statement)
	}
	if _, r, _ := strings.Cut(b.get(path).body, `<section id="receipts"`); !strings.Contains(r, "<td>Explicit</td>") {
		t.Errorf("the receipt does not say the consent was explicit: %s", r)
	}
}
