package http_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/examples"
)

const dashPassword = "correct horse battery staple"

// dashPerson is a person signed in both in a browser and on the API, in a
// household of their own with a thermostat.
type dashPerson struct {
	b                  *browser
	token, person, hh  string
	device, base, path string
}

// newDashPerson signs name up on the API, sets up a household with a
// device and signs the browser in on the sign-in page.
func newDashPerson(e *env, name string) dashPerson {
	e.t.Helper()
	d := dashPerson{b: e.newBrowser()}
	d.token, d.person = e.user(name)
	d.hh = e.household(d.token)
	d.device, _ = e.device(d.token, d.hh)
	d.base = "/households/" + d.hh + "/people/" + d.person
	d.path = d.base + "/privacy"
	email := strings.ToLower(name) + "@example.org"
	if p := d.b.submit("/signin", "/signin", url.Values{"email": {email}, "password": {dashPassword}}); p.status != 303 {
		e.t.Fatalf("sign in: status %d: %.500s", p.status, p.body)
	}
	return d
}

// TestPageDashboard shows, per device and category, what is collected, for
// which purpose, on which basis, kept how long and shared with whom, from
// the manifest and the person's state; another household's person is not
// found, as on the API (SEC-AUTHZ, NOTICE-CONTENT, RETENTION).
func TestPageDashboard(t *testing.T) {
	e := newEnv(t)
	ada := newDashPerson(e, "Ada")
	p := ada.b.get(ada.path)
	wantPage(t, p, 200,
		"Your privacy dashboard",
		`id="device-`+ada.device+`"`, "Ember T1 smart thermostat",
		`id="cat-room-temperature"`, "Room temperature",
		"At most 1 year, then deleted automatically.",
		"Keep the home at the temperature you set",
		"it is needed to provide the service you asked for (contract)",
		"your consent, which you can withdraw at any time",
		// Energy insights is a feature, off until switched on.
		"the feature that switches on energy-insights is off",
		// Location is off by default: the home area is not collected.
		"location sharing is off",
		// Recipients per purpose and category.
		"Northwind Cloud Ltd", "Forecast Co Ltd",
		`id="marketing-form"`, `id="restrict-all-form"`, `id="object-form-device-security"`,
		`id="schedule-form-humidity"`, `id="location-form"`, `id="feature-link-energy-insights"`,
		`aria-current="page">Privacy dashboard`)
	if strings.Contains(p.body, `id="object-form-heating-control"`) {
		t.Error("an objection form is offered for a purpose on contract, which gives no right to object")
	}

	// Another person, or another household, is not found: the same answer
	// the API gives.
	bob := newDashPerson(e, "Bob")
	for _, path := range []string{
		"/households/" + bob.hh + "/people/" + bob.person + "/privacy",
		"/households/" + ada.hh + "/people/" + bob.person + "/privacy",
		"/households/" + bob.hh + "/people/" + ada.person + "/privacy",
	} {
		api := e.do("GET", "/v1"+path, ada.token, "")
		got := ada.b.get(path)
		if got.status != 404 || api.status != 404 {
			t.Errorf("GET %s: page %d, API %d, want 404 for both", path, got.status, api.status)
		}
	}
}

// TestPageDashboardFeature switches a feature on after its just-in-time
// notice: the notice comes first, switching on never gives consent, and
// the consent page asks for it at that moment (CONSENT-MOMENTS,
// USAGE-CHANGE).
func TestPageDashboardFeature(t *testing.T) {
	e := newEnv(t)
	ada := newDashPerson(e, "Ada")
	notice := ada.base + "/features/energy-insights"
	p := ada.b.get(notice)
	wantPage(t, p, 200, "What switching it on means", "Ember uses the history of your rooms",
		"you are asked separately for", "Show your heating history and energy-saving tips",
		"your consent, which you can withdraw at any time",
		`id="feature-form"`, `name="enabled" value="on"`)
	// Reading the notice changed nothing.
	if st := e.want(e.do("GET", "/v1"+ada.base+"/settings", ada.token, ""), 200).json(t); fmt.Sprint(st["features"]) != "[]" {
		t.Fatalf("features after reading the notice = %v, want none", st["features"])
	}

	p = ada.b.post(notice, url.Values{"enabled": {"on"}})
	if p.status != 303 || p.location != ada.base+"/consents?moment=feature&feature=energy-insights#purpose-energy-insights" {
		t.Fatalf("switch on: %d to %q, want 303 to the consent page at the feature moment", p.status, p.location)
	}
	// The consent page asks at the feature moment.
	consents, _, _ := strings.Cut(p.location, "#")
	wantPage(t, ada.b.get(consents), 200, `id="purpose-energy-insights"`, "Energy insights is on.")
	// A double submit switches nothing more and leads to the same place.
	ada.b.get(notice)
	if p2 := ada.b.post(notice, url.Values{"enabled": {"on"}}); p2.status != 303 || p2.location != p.location {
		t.Errorf("second switch on: %d to %q, want the same 303", p2.status, p2.location)
	}
	st := e.want(e.do("GET", "/v1"+ada.base+"/settings", ada.token, ""), 200).json(t)
	if fmt.Sprint(st["features"]) != "[energy-insights]" {
		t.Errorf("features = %v, want [energy-insights]", st["features"])
	}
	cs := string(e.want(e.do("GET", "/v1"+ada.base+"/consents", ada.token, ""), 200).body)
	if strings.Contains(cs, `"status":"given"`) {
		t.Errorf("switching a feature on gave consent: %s", cs)
	}
	wantPage(t, ada.b.get(ada.path), 200, `id="feature-form-energy-insights"`, "Switch Energy insights off")

	// Switching off goes back to the dashboard.
	p = ada.b.post(ada.base+"/features/energy-insights", url.Values{"enabled": {"off"}})
	if p.status != 303 || !strings.HasPrefix(p.location, ada.path) {
		t.Errorf("switch off: %d to %q, want 303 to the dashboard", p.status, p.location)
	}

	// A feature switched on that needs no new consent returns to the
	// dashboard: weather-compensation after its consent was given.
	e.want(e.do("POST", "/v1"+ada.base+"/consents/weather-compensation", ada.token, `{"decision":"give","method":"web"}`), 200)
	ada.b.get(ada.base + "/features/weather-compensation")
	p = ada.b.post(ada.base+"/features/weather-compensation", url.Values{"enabled": {"on"}})
	if p.status != 303 || !strings.HasPrefix(p.location, ada.path) {
		t.Errorf("switch on with consent given: %d to %q, want 303 to the dashboard", p.status, p.location)
	}

	// Bad input fails safely.
	for _, c := range []struct {
		name, path, enabled string
		status              int
	}{
		{"tampered switch", ada.base + "/features/energy-insights", "maybe", 400},
		{"unknown feature", ada.base + "/features/mind-reading", "on", 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			ada.b.get(ada.path)
			if p := ada.b.post(c.path, url.Values{"enabled": {c.enabled}}); p.status != c.status {
				t.Errorf("status %d, want %d: %.300s", p.status, c.status, p.body)
			}
		})
	}
	if p := ada.b.get(ada.base + "/features/mind-reading"); p.status != 404 {
		t.Errorf("notice of an unknown feature: status %d, want 404", p.status)
	}
}

// TestPageDashboardRights restricts, objects, turns the marketing switch
// and asks about automated decisions from the dashboard: each asks for the
// password as the API does, shows its error beside the form, and changes
// the same controls the API shows (RIGHT-RESTRICT, RIGHT-OBJECT,
// RIGHT-OBJECT-MKT, RIGHT-ADM).
func TestPageDashboardRights(t *testing.T) {
	e := newEnv(t)
	ada := newDashPerson(e, "Ada")
	controls := func() map[string]any {
		return e.want(e.do("GET", "/v1"+ada.base+"/controls", ada.token, ""), 200).json(t)
	}
	cases := []struct {
		name, action string
		form         url.Values
		status       int
		texts        []string
	}{
		{"restrict without password", "/privacy/restrictions", url.Values{"restrict": {"on"}}, 400,
			[]string{`id="restrict-all-form-password-error"`, "Enter your password again"}},
		{"restrict with a wrong password", "/privacy/restrictions", url.Values{"restrict": {"on"}, "password": {"wrong horse"}}, 403,
			[]string{`id="restrict-all-form-password-error"`}},
		{"restrict a tampered switch", "/privacy/restrictions", url.Values{"restrict": {"maybe"}, "password": {dashPassword}}, 400,
			[]string{"Choose on or off"}},
		{"restrict an unknown purpose", "/privacy/restrictions", url.Values{"purpose": {"nothing"}, "restrict": {"on"}, "password": {dashPassword}}, 404, nil},
		{"object to a purpose on contract", "/privacy/objections", url.Values{"purpose": {"heating-control"}, "object": {"on"}, "password": {dashPassword}}, 422,
			[]string{`id="form-error">The lawful basis of heating-control gives no right to object`}},
		{"opt out of decisions a purpose does not make", "/privacy/automated-decisions/heating-control", url.Values{"opt_out": {"on"}, "password": {dashPassword}}, 422,
			[]string{`id="form-error"`}},
		{"review of decisions a purpose does not make", "/privacy/automated-decisions/heating-control/review", url.Values{"view": {"please"}, "password": {dashPassword}}, 422,
			[]string{`id="form-error"`}},
		{"object without password", "/privacy/objections", url.Values{"purpose": {"device-security"}, "object": {"on"}}, 400,
			[]string{`id="object-form-device-security-password-error"`, "<details open>"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ada.b.get(ada.path)
			p := ada.b.post(ada.base+c.action, c.form)
			wantPage(t, p, c.status, c.texts...)
			if strings.Contains(p.body, `value="`+dashPassword+`"`) {
				t.Error("the password typed is shown again")
			}
		})
	}
	if c := controls(); c["restrict_all"] != false {
		t.Fatalf("after failed forms restrict_all = %v, want false", c["restrict_all"])
	}

	for _, c := range []struct {
		name, action string
		form         url.Values
		check        func(map[string]any) bool
	}{
		{"restrict all", "/privacy/restrictions", url.Values{"restrict": {"on"}},
			func(c map[string]any) bool { return c["restrict_all"] == true }},
		{"lift it", "/privacy/restrictions", url.Values{"restrict": {"off"}},
			func(c map[string]any) bool { return c["restrict_all"] == false }},
		{"restrict one purpose", "/privacy/restrictions", url.Values{"purpose": {"energy-insights"}, "restrict": {"on"}},
			func(c map[string]any) bool { return fmt.Sprint(c["restricted"]) == "[energy-insights]" }},
		{"object to legitimate interests", "/privacy/objections", url.Values{"purpose": {"device-security"}, "object": {"on"}},
			func(c map[string]any) bool { return fmt.Sprint(c["objected"]) == "[device-security]" }},
		{"object to marketing", "/privacy/objections/marketing", url.Values{"object": {"on"}},
			func(c map[string]any) bool { return c["object_marketing"] == true }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ada.b.get(ada.path)
			c.form.Set("password", dashPassword)
			p := ada.b.post(ada.base+c.action, c.form)
			if p.status != 303 || !strings.HasPrefix(p.location, ada.path) {
				t.Fatalf("status %d to %q, want 303 to the dashboard: %.500s", p.status, p.location, p.body)
			}
			if got := controls(); !c.check(got) {
				t.Errorf("controls after it: %v", got)
			}
		})
	}
	// The dashboard states the new state, the marketing switch on its own.
	wantPage(t, ada.b.get(ada.path), 200, "Withdraw my objection to marketing", "Withdraw my objection",
		"Lift the restriction of this purpose", "energy-insights is restricted")
	// Each change is a rights request in the person's log.
	reqs := string(e.want(e.do("GET", "/v1"+ada.base+"/requests", ada.token, ""), 200).body)
	if n := strings.Count(reqs, `"type":"restriction"`); n < 3 {
		t.Errorf("restriction requests recorded = %d, want 3: %s", n, reqs)
	}
}

// TestPageDashboardSettings sets a deletion schedule per category and the
// location precision, with bad input shown beside its form (RETENTION,
// MIN-LOCATION).
func TestPageDashboardSettings(t *testing.T) {
	e := newEnv(t)
	ada := newDashPerson(e, "Ada")
	ada.b.get(ada.path)
	if p := ada.b.post(ada.base+"/privacy/deletion-schedules/humidity", url.Values{"period": {"weekly"}}); p.status != 303 {
		t.Fatalf("set schedule: status %d: %.500s", p.status, p.body)
	}
	ds := string(e.want(e.do("GET", "/v1"+ada.base+"/deletion-schedules", ada.token, ""), 200).body)
	if !strings.Contains(ds, `"category":"humidity","period":"weekly"`) {
		t.Errorf("schedules = %s, want humidity weekly", ds)
	}
	wantPage(t, ada.b.get(ada.path), 200, "You chose to delete it weekly.", `<option value="weekly" selected>`)
	p := ada.b.post(ada.base+"/privacy/deletion-schedules/humidity", url.Values{"period": {"hourly"}})
	wantPage(t, p, 400, `id="schedule-form-humidity"`, `role="alert"`)

	ada.b.get(ada.path)
	p = ada.b.post(ada.base+"/privacy/location", url.Values{"location": {"city"}, "feature_location.weather-compensation": {"region"}})
	if p.status != 303 {
		t.Fatalf("set location: status %d: %.500s", p.status, p.body)
	}
	st := e.want(e.do("GET", "/v1"+ada.base+"/settings", ada.token, ""), 200).json(t)
	if st["location"] != "city" || fmt.Sprint(st["feature_location"]) != "map[weather-compensation:region]" {
		t.Errorf("settings = %v, want location city, weather-compensation region", st)
	}
	ada.b.get(ada.path)
	p = ada.b.post(ada.base+"/privacy/location", url.Values{"location": {"moon"}})
	wantPage(t, p, 400, `id="location-form"`, `role="alert"`)
}

// TestPageDashboardAPI checks the two API routes the dashboard added, so
// third-party clients see what the page shows (INT-SAME-SCOPE).
func TestPageDashboardAPI(t *testing.T) {
	e := newEnv(t)
	tok, person := e.user("Ada")
	hh := e.household(tok)
	base := "/v1/households/" + hh + "/people/" + person
	o := string(e.want(e.do("GET", base+"/privacy", tok, ""), 200).body)
	for _, want := range []string{`"id":"room-temperature"`, `"retention":"1 year"`, `"basis":"contract"`, `"name":"Forecast Co Ltd"`, `"location":"off"`} {
		if !strings.Contains(o, want) {
			t.Errorf("overview lacks %s: %s", want, o)
		}
	}
	n := e.want(e.do("GET", base+"/features/energy-insights", tok, ""), 200).json(t)
	if n["enabled"] != false || !strings.Contains(fmt.Sprint(n["consents_needed"]), "/consents/energy-insights/request") {
		t.Errorf("feature notice = %v, want off, with the consent request to make", n)
	}
	problem(t, e.do("GET", base+"/features/mind-reading", tok, ""), 404)
	other, _ := e.user("Bob")
	problem(t, e.do("GET", base+"/privacy", other, ""), 404)
}

// TestPageDashboardAutomatedDecisions opts out of a purpose's solely
// automated decisions and asks for a human review from the dashboard of a
// product that makes them, the fitness tracker's insurer scoring
// (RIGHT-ADM).
func TestPageDashboardAutomatedDecisions(t *testing.T) {
	e := newEnvWith(t, envOptions{manifest: [2]string{examples.FitnessTrackerName, string(examples.FitnessTracker)}})
	tok, person := e.user("Ada")
	hh := e.household(tok)
	b := e.newBrowser()
	if p := b.submit("/signin", "/signin", url.Values{"email": {"ada@example.org"}, "password": {dashPassword}}); p.status != 303 {
		t.Fatalf("sign in: status %d", p.status)
	}
	base := "/households/" + hh + "/people/" + person
	wantPage(t, b.get(base+"/privacy"), 200, `id="adm-form-insurer-sharing"`, `id="review-form-insurer-sharing"`,
		"Share your activity with your insurer for rewards", "There are no devices in this household yet.")

	p := b.post(base+"/privacy/automated-decisions/insurer-sharing", url.Values{"opt_out": {"on"}, "password": {dashPassword}})
	if p.status != 303 {
		t.Fatalf("opt out: status %d: %.500s", p.status, p.body)
	}
	c := e.want(e.do("GET", "/v1"+base+"/controls", tok, ""), 200).json(t)
	if fmt.Sprint(c["adm_opt_out"]) != "[insurer-sharing]" {
		t.Errorf("adm_opt_out = %v, want [insurer-sharing]", c["adm_opt_out"])
	}
	wantPage(t, b.get(base+"/privacy"), 200, "Opt back in", "opted out")

	// A review without the password keeps the view typed beside the error.
	p = b.post(base+"/privacy/automated-decisions/insurer-sharing/review", url.Values{"view": {"My score ignores my cycling."}})
	wantPage(t, p, 400, "My score ignores my cycling.", `id="review-form-insurer-sharing-password-error"`)
	p = b.post(base+"/privacy/automated-decisions/insurer-sharing/review", url.Values{"view": {"My score ignores my cycling."}, "password": {dashPassword}})
	if p.status != 303 {
		t.Fatalf("review: status %d: %.500s", p.status, p.body)
	}
	wantPage(t, b.get(p.location), 200, "Your request for a human review is recorded in the operators&#39; queue. The answer is due by ")
	// The same form sent again: a clear message, no second request (RIGHT-ADM).
	p = b.post(base+"/privacy/automated-decisions/insurer-sharing/review", url.Values{"view": {"My score ignores my cycling."}, "password": {dashPassword}})
	wantPage(t, p, 409, "already waiting")
	reqs := string(e.want(e.do("GET", "/v1"+base+"/requests", tok, ""), 200).body)
	if !strings.Contains(reqs, `"type":"adm-review"`) || !strings.Contains(reqs, `"status":"received"`) {
		t.Errorf("requests = %s, want an adm-review received", reqs)
	}
}

// TestPageDashboardGuardian shows a child's dashboard to their guardian,
// who changes its settings for them, and to no other adult, as the API
// authorises (CONSENT-CHILD, SEC-AUTHZ).
func TestPageDashboardGuardian(t *testing.T) {
	e := newEnv(t)
	ada := newDashPerson(e, "Ada")
	kid := e.want(e.do("POST", "/v1/households/"+ada.hh+"/people", ada.token,
		fmt.Sprintf(`{"display_name":"Kid","role":"child","guardian_id":%q}`, ada.person)), 201).json(t)["id"].(string)
	kidPath := "/households/" + ada.hh + "/people/" + kid + "/privacy"
	wantPage(t, ada.b.get(kidPath), 200, "Kid's privacy dashboard", "Kid's data in Home")
	p := ada.b.post("/households/"+ada.hh+"/people/"+kid+"/privacy/deletion-schedules/occupancy", url.Values{"period": {"monthly"}})
	if p.status != 303 || !strings.HasPrefix(p.location, kidPath) {
		t.Fatalf("schedule for the child: %d to %q", p.status, p.location)
	}

	// Another adult of the household may not act for Ada or the child.
	mateTok, mateID := e.user("Mate")
	inv := e.want(e.do("POST", "/v1/households/"+ada.hh+"/invites", ada.token, `{"role":"adult"}`), 201).json(t)["token"].(string)
	e.want(e.do("POST", "/v1/invites/accept", mateTok, fmt.Sprintf(`{"token":%q}`, inv)), 200)
	// A share of Ada's with Mate shows under its category (RIGHT-ACCESS-OTHERS).
	e.want(e.do("POST", "/v1"+ada.base+"/shares", ada.token, fmt.Sprintf(`{"category":"occupancy","with":%q}`, mateID)), 200)
	wantPage(t, ada.b.get(ada.path), 200, "<dt>Shared with members</dt>\n    <dd>Mate</dd>")
	mate := e.newBrowser()
	if p := mate.submit("/signin", "/signin", url.Values{"email": {"mate@example.org"}, "password": {dashPassword}}); p.status != 303 {
		t.Fatalf("sign in: status %d", p.status)
	}
	for _, path := range []string{kidPath, ada.path} {
		api := e.do("GET", "/v1"+path, mateTok, "")
		if got := mate.get(path); got.status != api.status || got.status < 400 {
			t.Errorf("GET %s as another adult: page %d, API %d, want the same refusal", path, got.status, api.status)
		}
	}
	// A form posted for a person the caller may not act for changes nothing.
	mate.get("/")
	if p := mate.post(ada.base+"/privacy/restrictions", url.Values{"restrict": {"on"}, "password": {dashPassword}}); p.status < 400 {
		t.Errorf("restriction for another adult: status %d, want a refusal", p.status)
	}
	if c := e.want(e.do("GET", "/v1"+ada.base+"/controls", ada.token, ""), 200).json(t); c["restrict_all"] != false {
		t.Errorf("restrict_all = %v after another adult's post, want false", c["restrict_all"])
	}
}
