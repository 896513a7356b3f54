package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/audit"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/erasure"
	"github.com/hearth-iot/hearth/events"
	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/export"
	"github.com/hearth-iot/hearth/firmware/updates"
	"github.com/hearth-iot/hearth/household"
	hhttp "github.com/hearth-iot/hearth/http"
	"github.com/hearth-iot/hearth/ingest"
	"github.com/hearth-iot/hearth/lifecycle"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/metrics"
	"github.com/hearth-iot/hearth/notify"
	"github.com/hearth-iot/hearth/oauth"
	"github.com/hearth-iot/hearth/rights"
	"github.com/hearth-iot/hearth/seal"
	"github.com/hearth-iot/hearth/sqlite"
)

// clock is a settable clock for the household service (claim and invite
// expiry); readings use the real time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a real server: SQLite in a temp dir, the real services, behind
// httptest.NewServer.
type env struct {
	t      *testing.T
	url    string
	dir    string // the data directory, holding hearth.db
	db     *sqlite.DB
	hh     *household.Service
	clock  *clock
	reg    *prometheus.Registry
	client *http.Client
	events *events.Dispatcher // the device events route's; tests register handlers
	lc     *lifecycle.Service
	up     *updates.Service // firmware updates; firmware_test.go
	audit  *audit.Logger    // the audit log; audit_test.go
	oauth  *oauth.Server    // the OAuth authorization server; oauth_test.go
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, envOptions{})
}

// envOptions changes what newEnvWith builds.
type envOptions struct {
	authClock bool                // the auth service reads the env's clock, not the real time
	webauthn  *webauthn.WebAuthn  // passkeys; nil turns them off
	server    func(*hhttp.Config) // changes the server's configuration
	// manifest is the privacy manifest's name and text; zero means
	// examples.Thermostat.
	manifest [2]string
}

func newEnvWith(t *testing.T, o envOptions) *env {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(dir)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	src := [2]string{examples.ThermostatName, string(examples.Thermostat)}
	if o.manifest[0] != "" {
		src = o.manifest
	}
	m, err := manifest.Parse(src[0], []byte(src[1]))
	if err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	kek, err := seal.NewKEK(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatalf("new kek: %v", err)
	}
	keys := seal.NewKeyring(kek, db)
	reg := prometheus.NewRegistry()
	met := metrics.New(reg)
	clk := &clock{t: time.Now().UTC()}
	cons, subj := newPrivacy(t, db, m, clk.Now)
	ing := ingest.New(ingest.Config{Store: db, Keys: keys, Manifest: m, Metrics: met, Policy: subj.Policy(), Subjects: subj})
	ing.Start()
	e := &env{t: t, dir: dir, db: db, clock: clk, reg: reg, events: events.NewDispatcher(),
		hh: household.NewService(household.Config{Store: db, Manifest: m, Opener: keys, Now: clk.Now, Policy: subj.Policy(), Subjects: subj})}
	nt, err := notify.NewService(notify.Config{Store: db, Manifest: m, Now: clk.Now})
	if err != nil {
		t.Fatalf("notify service: %v", err)
	}
	notices, err := hhttp.NewNotices(m)
	if err != nil {
		t.Fatalf("render notices: %v", err)
	}
	authCfg := auth.Config{Store: db, Metrics: met, WebAuthn: o.webauthn}
	if o.authClock {
		authCfg.Now = clk.Now
	}
	authSvc := auth.NewService(authCfg)
	rs, err := rights.NewService(rights.Config{Store: db, Auth: authSvc, Now: clk.Now,
		Subjects: subj, Policy: subj.Policy(), Manifest: m, Keys: keys})
	if err != nil {
		t.Fatalf("rights service: %v", err)
	}
	exp, err := export.New(export.Config{Store: db, Keys: keys, Manifest: m, Policy: subj.Policy(), Consents: cons,
		Rights: rs, Now: clk.Now, TempDir: t.TempDir()})
	if err != nil {
		t.Fatalf("export service: %v", err)
	}
	er, err := erasure.NewService(erasure.Config{Store: db, Keys: keys, Auth: authSvc, Households: e.hh, Manifest: m, Now: clk.Now, Policy: subj.Policy()})
	if err != nil {
		t.Fatalf("erasure service: %v", err)
	}
	lc, err := lifecycle.NewService(lifecycle.Config{Store: db, Eraser: er, Auth: authSvc, Now: clk.Now})
	if err != nil {
		t.Fatalf("lifecycle service: %v", err)
	}
	e.lc = lc
	e.events.Register(hearth.EventFactoryReset, lc)
	e.events.Register(hearth.EventCommandRefused, lc)
	oa, err := oauth.New(oauth.Config{Store: db, Accounts: db, Devices: db, Secret: bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatalf("oauth server: %v", err)
	}
	e.oauth = oa
	cfg := hhttp.Config{
		Auth: authSvc, Rights: rs,
		Households: e.hh, Ingest: ing, Metrics: met,
		MetricsHandler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		Notify:         nt, Notices: notices, Disclosure: newDisclosure(t, m, clk.Now),
		Consents: cons, Subjects: subj, Exports: exp,
		Erasure: er, Events: e.events, Lifecycle: lc,
		Updates: e.newUpdates(db, m), FirmwareKeys: fwTrusted,
		OAuth:     oa,
		Analytics: newAnalytics(t, db, m, subj, keys, clk.Now),
	}
	e.audit = audit.New(audit.Config{Store: db.AuditLog(), Metrics: met})
	cfg.Audit = e.audit
	if o.server != nil {
		o.server(&cfg)
	}
	h := hhttp.NewServer(cfg)
	srv := httptest.NewServer(checkAPI(t, h))
	t.Cleanup(func() {
		srv.Close()
		e.audit.Close(context.Background())
		ing.Close(context.Background())
		db.Close()
	})
	e.url, e.client = srv.URL, srv.Client()
	return e
}

// response is a decoded HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("response body %q is not a JSON object: %v", r.body, err)
	}
	return v
}

// do sends a request with an optional bearer token and body.
func (e *env) do(method, path, token, body string, headers ...string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("read body: %v", err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// want checks a response's status.
func (e *env) want(r response, status int) response {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	return r
}

// user signs up and signs in a person, returning their token and person ID.
func (e *env) user(name string) (token, personID string) {
	e.t.Helper()
	email := strings.ToLower(name) + "@example.org"
	e.want(e.do("POST", "/v1/accounts", "", fmt.Sprintf(`{"email":%q,"password":"correct horse battery staple","display_name":%q}`, email, name)), 202)
	r := e.want(e.do("POST", "/v1/sessions", "", fmt.Sprintf(`{"email":%q,"password":"correct horse battery staple"}`, email)), 201)
	token = r.json(e.t)["token"].(string)
	return token, e.want(e.do("GET", "/v1/me", token, ""), 200).json(e.t)["person_id"].(string)
}

func (e *env) household(token string) string {
	e.t.Helper()
	return e.want(e.do("POST", "/v1/households", token, `{"name":"Home"}`), 201).json(e.t)["id"].(string)
}

// device provisions a device and claims it into hh; it returns its ID and secret.
func (e *env) device(token, hh string) (id, secret string) {
	e.t.Helper()
	dev, secret, code, err := e.hh.ProvisionDevice(context.Background(), "ember-t1", "1.0.0")
	if err != nil {
		e.t.Fatalf("ProvisionDevice: %v", err)
	}
	e.want(e.do("POST", "/v1/households/"+hh+"/devices", token, fmt.Sprintf(`{"code":%q}`, code)), 201)
	return dev.ID, secret
}

// problem checks that a response is a problem document with status, and
// returns it.
func problem(t *testing.T, r response, status int) hhttp.Problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if got, want := r.header.Get("Content-Type"), "application/problem+json"; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	var p hhttp.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("problem body %q: %v", r.body, err)
	}
	if p.Status != status || p.Type == "" || p.Title == "" || p.Detail == "" {
		t.Errorf("problem = %+v, want type, title, detail and status %d", p, status)
	}
	return p
}

func TestAccountFlow(t *testing.T) {
	e := newEnv(t)
	token, person := e.user("Ada")
	me := e.want(e.do("GET", "/v1/me", token, ""), 200).json(t)
	if got, want := me["email"], "ada@example.org"; got != want {
		t.Errorf("email = %v, want %v", got, want)
	}
	if got, want := me["display_name"], "Ada"; got != want {
		t.Errorf("display_name = %v, want %v", got, want)
	}
	hh := e.household(token)
	list := e.want(e.do("GET", "/v1/households", token, ""), 200).json(t)["households"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != hh {
		t.Errorf("households = %v, want just %s", list, hh)
	}
	members := e.want(e.do("GET", "/v1/households/"+hh+"/members", token, ""), 200).json(t)["members"].([]any)
	m := members[0].(map[string]any)
	if m["person_id"] != person || m["role"] != "owner" || m["controls"] != hearth.RoleControls(hearth.RoleOwner) {
		t.Errorf("member = %v, want the owner %s with the owner's controls", m, person)
	}
	res := e.do("GET", "/v1/me", token, "")
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"} {
		if got := res.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	e.want(e.do("DELETE", "/v1/sessions/current", token, ""), 204)
	problem(t, e.do("GET", "/v1/me", token, ""), 401)
}

func TestInvitesAndPeople(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("Owner")
	bob, bobID := e.user("Bob")
	hh := e.household(owner)
	inv := e.want(e.do("POST", "/v1/households/"+hh+"/invites", owner, `{"role":"adult"}`), 201).json(t)
	e.want(e.do("POST", "/v1/invites/accept", bob, fmt.Sprintf(`{"token":%q}`, inv["token"])), 200)
	problem(t, e.do("POST", "/v1/invites/accept", bob, fmt.Sprintf(`{"token":%q}`, inv["token"])), 409)
	// RIGHT-UNREGISTERED: a child profile with a guardian.
	p := e.want(e.do("POST", "/v1/households/"+hh+"/people", owner,
		fmt.Sprintf(`{"display_name":"Sam","role":"child","guardian_id":%q}`, bobID)), 201).json(t)
	if p["role"] != "child" || p["guardian_id"] != bobID {
		t.Errorf("person = %v, want a child with guardian %s", p, bobID)
	}
	pr := problem(t, e.do("POST", "/v1/households/"+hh+"/people", owner, `{"display_name":"Sam","role":"child"}`), 400)
	if len(pr.Errors) != 1 || pr.Errors[0].Field != "guardian_id" {
		t.Errorf("errors = %+v, want one about guardian_id", pr.Errors)
	}
	problem(t, e.do("POST", "/v1/households/"+hh+"/invites", bob, `{"role":"adult"}`), 403)
}
