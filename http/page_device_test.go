package http_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// pageToken signs in over the API as the person the browser signed up
// as name, for setting up with the API what the test is not about.
func (e *env) pageToken(name string) string {
	e.t.Helper()
	r := e.want(e.do("POST", "/v1/sessions", "", fmt.Sprintf(`{"email":%q,"password":"correct horse battery staple"}`, strings.ToLower(name)+"@example.org")), 201)
	return r.json(e.t)["token"].(string)
}

// provision makes a new ember-t1 device and returns its ID and claim code.
func (e *env) provision() (id, code string) {
	e.t.Helper()
	dev, _, code, err := e.hh.ProvisionDevice(context.Background(), "ember-t1", "1.0.0")
	if err != nil {
		e.t.Fatalf("ProvisionDevice: %v", err)
	}
	return dev.ID, code
}

// oneTime reads the one-time code or secret a page shows.
var oneTime = regexp.MustCompile(`class="onetime"><code>([^<]+)</code>`)

func shownOnce(t *testing.T, p page) string {
	t.Helper()
	m := oneTime.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("the page shows no one-time code: %.1500s", p.body)
	}
	return m[1]
}

// TestPageDeviceClaim: the claim page shows, before the device is added,
// what each model collects, why, on which basis, for how long and who
// receives it, from the manifest the server enforces (NOTICE-CONTENT,
// NOTICE-LAYERED, CONSENT-MOMENTS); a wrong code is refused beside the
// field with what was typed kept; the right one adds the device and opens
// its page.
func TestPageDeviceClaim(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	b.signUp("Ada")
	hh := e.household(e.pageToken("Ada"))
	p := b.get("/households/" + hh + "/devices/new")
	wantPage(t, p, 200, `id="claim-form"`, "Ember T1 smart thermostat", "Ember S1 room sensor",
		"Room temperature", "Keep the home at the temperature you set", "(contract)",
		"your consent, which you can withdraw at any time: only if you agree", "1 year", "30 days",
		"Northwind Cloud Ltd (", "Ember Home Ltd")
	if strings.Contains(p.body, "checked") {
		t.Errorf("the claim page has a pre-checked input")
	}
	p = b.post("/households/"+hh+"/devices/new", url.Values{"code": {"not-a-code"}})
	wantPage(t, p, 400, `value="not-a-code"`, `aria-invalid="true"`, "This claim code is not valid", "Room temperature")
	id, code := e.provision()
	p = b.post("/households/"+hh+"/devices/new", url.Values{"code": {code}})
	if p.status != 303 || p.location != "/households/"+hh+"/devices/"+id {
		t.Fatalf("claim: %d to %q, want 303 to the device's page", p.status, p.location)
	}
	wantPage(t, b.get(p.location), 200, "The device is now in your household", "Ember T1 smart thermostat", id)
	wantPage(t, b.get("/households/"+hh+"/devices"), 200, id, "Add a device", "/households/"+hh+"/transfers")
	// The same code twice (a double submit) is refused plainly.
	b.get("/households/" + hh + "/devices/new")
	wantPage(t, b.post("/households/"+hh+"/devices/new", url.Values{"code": {code}}), 400, "This claim code is not valid")
	// Another household's pages are not found (SEC-AUTHZ).
	b2 := e.newBrowser()
	b2.signUp("Eve")
	wantPage(t, b2.get("/households/"+hh+"/devices/new"), 404)
	wantPage(t, b2.get("/households/"+hh+"/devices/"+id), 404)
}

// TestPageDeviceSupportAndFirmware: a device's page shows its firmware,
// the release available, the support period and its levels, how updates
// install and the repair information (LIFETIME-CLEAR, REPAIR-INFO,
// SEC-UPDATES); an owner updates it by hand; a bad version is refused
// beside the field.
func TestPageDeviceSupportAndFirmware(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	b.signUp("Ada")
	tok := e.pageToken("Ada")
	hh := e.household(tok)
	id, _ := e.device(tok, hh)
	path := "/households/" + hh + "/devices/" + id
	wantPage(t, b.get(path), 200, "Installed: <strong>1.0.0</strong>", "No newer release is available",
		"Security updates until", "2031-12-31", "Feature updates", "How updates install", "refuses an older version",
		"Send it to us for repair at cost", "Display module", "Room temperature", `id="firmware-form"`)
	e.publish("1.1.0", true)
	wantPage(t, b.get(path), 200, "Available: <strong>1.1.0</strong>", "This update changes what the device does", "Adds a holiday schedule.")
	wantPage(t, b.post(path+"/firmware", url.Values{"version": {"one"}}), 400, `value="one"`, "Must be MAJOR.MINOR.PATCH")
	b.get(path)
	wantPage(t, b.post(path+"/firmware", url.Values{"version": {"9.9.9"}}), 400, "Ember-t1 has no release 9.9.9")
	b.get(path)
	p := b.post(path+"/firmware", url.Values{"version": {""}})
	if p.status != 303 {
		t.Fatalf("manual update: status %d: %.600s", p.status, p.body)
	}
	wantPage(t, b.get(p.location), 200, "the update will be sent when it connects, if its release has not expired", "<th scope=\"row\">1.1.0</th><td>pending")
	// The API says the same (INT-SAME-SCOPE).
	st := e.want(e.do("GET", "/v1/devices/"+id+"/firmware", tok, ""), 200).json(t)
	if a, _ := st["available"].(map[string]any); a["version"] != "1.1.0" || a["substantial"] != true {
		t.Errorf("available = %v, want 1.1.0, substantial", st["available"])
	}
}

// TestPageDeviceTransfer: an owner starts a transfer, sees its code once,
// withdraws it, starts again; another household's owner accepts it on
// the transfers page and sees the device's new secret once; a code used
// twice is refused beside the field; the previous owner's page for it
// then offers to erase the readings it sent (OWN-TRANSFER, OWN-CLEAN).
func TestPageDeviceTransfer(t *testing.T) {
	e := newEnv(t)
	ada, bea := e.newBrowser(), e.newBrowser()
	ada.signUp("Ada")
	bea.signUp("Bea")
	hhA, hhB := e.household(e.pageToken("Ada")), e.household(e.pageToken("Bea"))
	id, _ := e.device(e.pageToken("Ada"), hhA)
	path := "/households/" + hhA + "/devices/" + id
	wantPage(t, ada.get(path), 200, `id="transfer-form"`, "Keep them", "Erase them", "The code works for 3 days", "for the last 90 days")
	wantPage(t, ada.post(path+"/transfer", url.Values{"form": {"transfer"}}), 400, "Choose what happens to the readings")
	ada.get(path)
	p := ada.post(path+"/transfer", url.Values{"form": {"transfer"}, "readings": {"erase"}, "password": {"wrong horse battery staple"}})
	wantPage(t, p, 403, `id="transfer-erase" name="readings" value="erase" checked`)
	if strings.Contains(p.body, "wrong horse") {
		t.Errorf("the page shows the password typed")
	}
	ada.get(path)
	p = ada.post(path+"/transfer", url.Values{"form": {"transfer"}, "readings": {"keep"}})
	wantPage(t, p, 201, "It is shown only now", "A transfer code is waiting", `id="cancel-transfer-form"`, "Transfer started")
	first := shownOnce(t, p)
	if again := ada.get(path); strings.Contains(again.body, first) {
		t.Errorf("the code is shown again on the device's page")
	}
	p = ada.post(path+"/transfer/cancel", nil)
	if p.status != 303 {
		t.Fatalf("cancel: status %d: %.500s", p.status, p.body)
	}
	wantPage(t, ada.get(p.location), 200, "The transfer was withdrawn", "Transfer withdrawn")
	wantPage(t, ada.post(path+"/transfer/cancel", nil), 409, "This device has no transfer waiting")
	ada.get(path)
	code := shownOnce(t, ada.post(path+"/transfer", url.Values{"form": {"transfer"}, "readings": {"keep"}}))

	wantPage(t, bea.get("/households/"+hhB+"/transfers"), 200, `id="accept-transfer-form"`)
	wantPage(t, bea.post("/households/"+hhB+"/transfers", url.Values{"code": {first}}), 400, "No transfer has this code", `value="`+first+`"`)
	bea.get("/households/" + hhB + "/transfers")
	p = bea.post("/households/"+hhB+"/transfers", url.Values{"code": {code}})
	wantPage(t, p, 201, "is now yours", "/households/"+hhB+"/devices/"+id)
	shownOnce(t, p)
	bea.get("/households/" + hhB + "/transfers")
	wantPage(t, bea.post("/households/"+hhB+"/transfers", url.Values{"code": {code}}), 409, "This transfer code has been used")
	// Bea's page of it holds none of Ada's log (OWN-CLEAN).
	p = bea.get("/households/" + hhB + "/devices/" + id)
	wantPage(t, p, 200, "Transfer accepted")
	if strings.Contains(p.body, "Transfer started") {
		t.Errorf("the new owner sees the previous household's log")
	}
	// Ada's page of it now offers to erase what it sent.
	wantPage(t, ada.get(path), 200, "This device is not in Home", `id="erase-device-readings-form"`)
	wantPage(t, ada.post(path+"/erasure", url.Values{"password": {"wrong horse battery staple"}}), 403, `aria-invalid="true"`)
	ada.get(path)
	p = ada.post(path+"/erasure", url.Values{"password": {"correct horse battery staple"}})
	if p.status != 303 {
		t.Fatalf("erase: status %d: %.500s", p.status, p.body)
	}
	wantPage(t, ada.get(p.location), 200, "readings from device "+id+" were erased")
}

// TestPageDeviceModeAndReset: local-only mode is explained, switched and
// switched back (LOCAL-ONLY); a factory reset states first what the
// service keeps, then resets (FACTORY-RESET); a device ID of another
// household in the path reaches nothing (SEC-AUTHZ); a member who is not
// an owner sees the device but none of the owner's forms.
func TestPageDeviceModeAndReset(t *testing.T) {
	e := newEnv(t)
	ada, bob, eve := e.newBrowser(), e.newBrowser(), e.newBrowser()
	ada.signUp("Ada")
	bob.signUp("Bob")
	eve.signUp("Eve")
	tok := e.pageToken("Ada")
	hh := e.household(tok)
	inv := e.want(e.do("POST", "/v1/households/"+hh+"/invites", tok, `{"role":"adult"}`), 201).json(t)
	e.want(e.do("POST", "/v1/invites/accept", e.pageToken("Bob"), fmt.Sprintf(`{"token":%q}`, inv["token"])), 200)
	id, _ := e.device(tok, hh)
	path := "/households/" + hh + "/devices/" + id

	p := bob.get(path)
	wantPage(t, p, 200, "Room temperature", "Only the household's owners can")
	for _, form := range []string{"transfer-form", "reset-form", "mode-form", "firmware-form"} {
		if strings.Contains(p.body, `id="`+form+`"`) {
			t.Errorf("a member who is not an owner sees %s", form)
		}
	}
	wantPage(t, bob.post(path+"/mode", url.Values{"mode": {"local-only"}}), 403)

	// Eve's household, Ada's device in the path: not found, nothing changes.
	hhE := e.household(e.pageToken("Eve"))
	eve.get("/households/" + hhE + "/devices")
	wantPage(t, eve.post("/households/"+hhE+"/devices/"+id+"/reset", url.Values{"form": {"reset"}, "readings": {"keep"}}), 404)

	p = ada.get(path)
	wantPage(t, p, 200, "stores nothing it sends", "The backend keeps the device&#39;s record", "were erased; readings about other members stay theirs")
	wantPage(t, ada.post(path+"/mode", url.Values{"mode": {"offline"}}), 400, "Choose")
	ada.get(path)
	p = ada.post(path+"/mode", url.Values{"mode": {"local-only"}})
	if p.status != 303 {
		t.Fatalf("mode: status %d: %.500s", p.status, p.body)
	}
	wantPage(t, ada.get(p.location), 200, "The device is now local-only", "Reconnect to the service", "Connection mode changed")
	p = ada.post(path+"/mode", url.Values{"mode": {"cloud"}})
	wantPage(t, ada.get(p.location), 200, "connected to the service again", "Switch to local-only")

	p = ada.post(path+"/reset", url.Values{"form": {"reset"}, "readings": {"keep"}})
	wantPage(t, p, 200, "was reset", "was not connected", "The readings it sent stay with the household", `id="left-device-link"`)
	// The page that link opens lets the owner erase those readings later.
	wantPage(t, ada.get(path), 200, `id="erase-device-readings-form"`)
	wantPage(t, ada.get("/households/"+hh+"/devices"), 200, "There are no devices in this household yet")
	// The same reset again (a double submit): a clear message, no change.
	wantPage(t, ada.post(path+"/reset", url.Values{"form": {"reset"}, "readings": {"keep"}}), 404, "it may have left it already")
	if log := e.want(e.do("GET", "/v1/devices/"+id+"/log", tok, ""), 404); log.status != 404 {
		t.Errorf("the log of a device that left: %d", log.status)
	}
}

// TestDeviceLogAPI: GET /v1/devices/{id}/log serves an owner the device
// log of the household's time with the device (as the device page shows
// it), with until when a transfer code works; a member who is not an owner
// is refused, anyone else finds nothing (SEC-AUTHZ, OWN-CLEAN).
func TestDeviceLogAPI(t *testing.T) {
	e := newEnv(t)
	own, _ := e.user("Own")
	adult, _ := e.user("Adult")
	stranger, _ := e.user("Stranger")
	hh := e.household(own)
	inv := e.want(e.do("POST", "/v1/households/"+hh+"/invites", own, `{"role":"adult"}`), 201).json(t)
	e.want(e.do("POST", "/v1/invites/accept", adult, fmt.Sprintf(`{"token":%q}`, inv["token"])), 200)
	id, _ := e.device(own, hh)
	e.want(e.do("POST", "/v1/devices/"+id+"/transfer", own, `{"readings":"keep"}`), 201)
	l := e.want(e.do("GET", "/v1/devices/"+id+"/log", own, ""), 200).json(t)
	es, _ := l["entries"].([]any)
	if len(es) != 1 || es[0].(map[string]any)["action"] != "transfer-started" || l["transfer_until"] == nil {
		t.Errorf("log = %v, want one transfer-started entry and transfer_until", l)
	}
	e.want(e.do("DELETE", "/v1/devices/"+id+"/transfer", own, ""), 204)
	if l := e.want(e.do("GET", "/v1/devices/"+id+"/log", own, ""), 200).json(t); l["transfer_until"] != nil {
		t.Errorf("transfer_until = %v after the transfer was withdrawn", l["transfer_until"])
	}
	problem(t, e.do("GET", "/v1/devices/"+id+"/log", adult, ""), 403)
	problem(t, e.do("GET", "/v1/devices/"+id+"/log", stranger, ""), 404)
	problem(t, e.do("GET", "/v1/devices/nope/log", own, ""), 404)
}

// ownerAndMemberDevice makes Ada, signed in, the owner of a household with
// Bob, signed in, as an adult member, and a device; it returns the device's
// page, ID and secret.
func ownerAndMemberDevice(t *testing.T) (e *env, ada, bob *browser, path, id, secret string) {
	t.Helper()
	e = newEnv(t)
	ada, bob = e.newBrowser(), e.newBrowser()
	ada.signUp("Ada")
	bob.signUp("Bob")
	tok := e.pageToken("Ada")
	hh := e.household(tok)
	inv := e.want(e.do("POST", "/v1/households/"+hh+"/invites", tok, `{"role":"adult"}`), 201).json(t)
	e.want(e.do("POST", "/v1/invites/accept", e.pageToken("Bob"), fmt.Sprintf(`{"token":%q}`, inv["token"])), 200)
	id, secret = e.device(tok, hh)
	return e, ada, bob, "/households/" + hh + "/devices/" + id, id, secret
}

// TestPageDeviceRemove: an owner removes a device from its page; its
// secret stops working at once, the readings it sent stay, a repeat says
// it left, and a member who is not an owner sees no form and is refused
// (SEC-AUTHZ, OWN-CLEAN).
func TestPageDeviceRemove(t *testing.T) {
	e, ada, bob, path, id, secret := ownerAndMemberDevice(t)

	if p := bob.get(path); strings.Contains(p.body, `id="remove-device-form"`) {
		t.Error("a member who is not an owner sees the remove form")
	}
	wantPage(t, bob.post(path+"/remove", nil), 403)

	wantPage(t, ada.get(path), 200, `id="remove-device-form"`, "readings it sent stay with the household")
	p := ada.post(path+"/remove", nil)
	if p.status != 303 {
		t.Fatalf("remove: status %d: %.500s", p.status, p.body)
	}
	wantPage(t, ada.get(p.location), 200, "The device was removed from the household")
	problem(t, e.do("POST", "/v1/devices/"+id+"/readings", secret, readingPayload("m1", "setpoint", "x")), 401)
	wantPage(t, ada.post(path+"/remove", nil), 404, "it may have left it already")
}

// TestPageDeviceCredential: an owner gives a device a new secret on its
// page, shown once, and the old one stops working at once; revoking stops
// the new one too; a member who is not an owner sees neither form and is
// refused beside it (SEC-AUTHZ, SEC-NO-DEFAULT-PW).
func TestPageDeviceCredential(t *testing.T) {
	e, ada, bob, path, id, old := ownerAndMemberDevice(t)

	if p := bob.get(path); strings.Contains(p.body, `id="reissue-form"`) || strings.Contains(p.body, `id="revoke-form"`) {
		t.Error("a member who is not an owner sees the secret's forms")
	}
	wantPage(t, bob.post(path+"/credential", nil), 403)
	e.want(e.do("POST", "/v1/devices/"+id+"/readings", old, readingPayload("c1", "setpoint", "x")), 201)

	ada.get(path)
	p := ada.post(path+"/credential", nil)
	wantPage(t, p, 201, `id="new-secret"`, "It is shown only now")
	m := regexp.MustCompile(`class="onetime"><code>([^<]+)</code>`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no new secret on the page: %.800s", p.body)
	}
	problem(t, e.do("POST", "/v1/devices/"+id+"/readings", old, readingPayload("c2", "setpoint", "x")), 401)
	e.want(e.do("POST", "/v1/devices/"+id+"/readings", m[1], readingPayload("c3", "setpoint", "x")), 201)
	if strings.Contains(ada.get(path).body, m[1]) {
		t.Error("the new secret is shown again on the next visit")
	}

	p = ada.post(path+"/credential/revoke", nil)
	if p.status != 303 {
		t.Fatalf("revoke: status %d: %.500s", p.status, p.body)
	}
	wantPage(t, ada.get(p.location), 200, "no longer works")
	problem(t, e.do("POST", "/v1/devices/"+id+"/readings", m[1], readingPayload("c4", "setpoint", "x")), 401)
}
