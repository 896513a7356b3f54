package http_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth/analytics"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/seal"
	"github.com/hearth-iot/hearth/sqlite"
	"github.com/hearth-iot/hearth/subject"
)

// newAnalytics returns the analytics service of the test server.
func newAnalytics(t *testing.T, db *sqlite.DB, m *manifest.Manifest, subj *subject.Cache, keys *seal.Keyring, now func() time.Time) *analytics.Service {
	t.Helper()
	svc, err := analytics.NewService(analytics.Config{Store: db, Manifest: m, Policy: subj.Policy(), Subjects: subj, Opener: keys, Now: now})
	if err != nil {
		t.Fatalf("analytics service: %v", err)
	}
	return svc
}

// TestAnalyticsAPI: PET-DP, SEC-AUTHZ: operators query statistics and see
// the budgets; a bad query is 400 naming its field and charges nothing; a
// query the budget cannot cover is 422; nobody else may ask. At ε = 2 an
// empty day's household count has noise of scale 1, so it reaches 10 with
// probability e⁻¹⁰.
func TestAnalyticsAPI(t *testing.T) {
	e := newEnvWith(t, envOptions{authClock: true})
	_, token := operatorBrowser(e, "Olive")
	alice, _ := e.user("Alice")
	day := e.clock.Now().UTC().Format("2006-01-02")
	next := e.clock.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	query := `{"dataset":"room-temperature","kind":"count","bucket":"day","from":"` + day + `T00:00:00Z","to":"` + next + `T00:00:00Z","epsilon":2}`

	r := e.want(e.do("POST", "/v1/operator/analytics", token, query), 200).json(t)
	groups := r["groups"].([]any)
	if len(groups) != 1 || groups[0].(map[string]any)["suppressed"] != true || r["min_group"] != 10.0 {
		t.Errorf("result = %v, want one day withheld (no household consented), min_group 10", r)
	}
	if b := r["budget"].(map[string]any); b["spent_epsilon"] != 2.0 || b["epsilon"] != 4.0 {
		t.Errorf("budget = %v, want 2 of 4 spent", b)
	}
	bad := problem(t, e.do("POST", "/v1/operator/analytics", token, strings.Replace(query, `"count"`, `"mean"`, 1)), 400)
	if len(bad.Errors) != 1 || bad.Errors[0].Field != "field" {
		t.Errorf("a mean without field: %+v, want the field named", bad)
	}
	problem(t, e.do("POST", "/v1/operator/analytics", token, `{"dataset":"people","kind":"count","epsilon":1,"extra":1}`), 400)
	e.want(e.do("POST", "/v1/operator/analytics", token, query), 200)
	refused := problem(t, e.do("POST", "/v1/operator/analytics", token, query), 422)
	if !strings.Contains(refused.Detail, "nothing was charged") {
		t.Errorf("refusal = %q, want it to say nothing was charged", refused.Detail)
	}
	b := e.want(e.do("GET", "/v1/operator/analytics/budget", token, ""), 200).json(t)
	budgets := b["budgets"].([]any)
	if b["purpose"] != "product-statistics" || len(budgets) != 4 {
		t.Fatalf("budgets = %v, want product-statistics with room-temperature, setpoint, people, devices", b)
	}
	if rt := budgets[0].(map[string]any); rt["dataset"] != "room-temperature" || rt["spent_epsilon"] != 4.0 || rt["queries"] != 2.0 {
		t.Errorf("room-temperature = %v, want 4 spent by 2 queries: the bad and refused ones charged nothing", rt)
	}
	problem(t, e.do("POST", "/v1/operator/analytics", alice, query), 403)
	problem(t, e.do("GET", "/v1/operator/analytics/budget", alice, ""), 403)
	problem(t, e.do("GET", "/v1/operator/analytics/budget", "", ""), 401)
}

// TestPageAnalytics: PET-DP: the console's statistics page shows the
// budgets, runs a query from its form (the problem beside its field when
// the query is bad) and is for operators only.
func TestPageAnalytics(t *testing.T) {
	e := newEnvWith(t, envOptions{authClock: true})
	op, _ := operatorBrowser(e, "Olive")
	wantPage(t, op.get("/operator/analytics"), 200, "<h1>Statistics</h1>", `id="budgets-table"`, "<code>people</code>", `id="query-form"`)
	day := e.clock.Now().UTC()
	form := url.Values{"dataset": {"setpoint"}, "kind": {"mean"}, "field": {"celsius"}, "lower": {"5"}, "upper": {"30"},
		"bucket": {"day"}, "from": {day.Format("2006-01-02")}, "to": {day.AddDate(0, 0, 2).Format("2006-01-02")}, "epsilon": {"3"}, "noise": {"laplace"},
		"max_groups": {"1"}}
	// One group per household at ε = 3: the households' count has noise of
	// scale 1/1.5, so an empty group reaches 10 with probability e⁻¹⁵.
	p := op.post("/operator/analytics", form)
	wantPage(t, p, 200, `id="result-table"`, "2 of 2 groups withheld", "Withheld: too few households", "setpoint has now spent ε 3 of 4")
	form.Set("epsilon", "lots")
	wantPage(t, op.post("/operator/analytics", form), 400, `id="e-epsilon"`, "a number, such as 0.5")
	form.Set("epsilon", "0.5")
	form.Set("upper", "")
	wantPage(t, op.post("/operator/analytics", form), 400, `id="e-lower"`)
	plain := e.newBrowser()
	plain.signUp("Paul")
	wantPage(t, plain.get("/operator/analytics"), 403, "The console is for operator accounts")
}
