package http_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth/firmware"
	"github.com/hearth-iot/hearth/firmware/updates"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/sqlite"
)

// fwKey signs the test releases; fwTrusted is what the server trusts.
var (
	fwKey, _  = firmware.GenerateKey(rand.Reader)
	fwTrusted = []ed25519.PublicKey{fwKey.Public().(ed25519.PublicKey)}
)

// newUpdates returns the env's firmware updates service. It has no
// commander: every offer stays pending, as for a device not connected.
func (e *env) newUpdates(db *sqlite.DB, m *manifest.Manifest) *updates.Service {
	e.t.Helper()
	svc, err := updates.New(updates.Config{Store: db, Manifest: m, Now: e.clock.Now})
	if err != nil {
		e.t.Fatalf("updates service: %v", err)
	}
	e.up = svc
	e.events.Register("firmware", svc)
	return svc
}

// publish signs and publishes a release of ember-t1 and returns its image.
func (e *env) publish(version string, substantial bool) []byte {
	e.t.Helper()
	image := []byte("ember-t1 image " + version)
	md, err := firmware.Sign(fwKey, firmware.NewRelease("ember-t1", version, image, e.clock.Now().Add(24*time.Hour), substantial, "Adds a holiday schedule."))
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.up.Publish(e.t.Context(), fwTrusted, md, image); err != nil {
		e.t.Fatalf("Publish: %v", err)
	}
	return image
}

// TestFirmwareUpdateAPI: an owner updates a device by hand; an adult, a
// stranger and nobody cannot; the device fetches the image it was
// offered with its own credential, and no other; its report is recorded,
// and a report of a version it was never offered is refused with a
// precise error and changes nothing. SEC-UPDATES FIRMWARE-NOTICE
func TestFirmwareUpdateAPI(t *testing.T) {
	e := newEnv(t)
	own, _ := e.user("Own")
	stranger, _ := e.user("Stranger")
	adult, _ := e.user("Adult")
	hh := e.household(own)
	e.household(stranger)
	inv := e.want(e.do("POST", "/v1/households/"+hh+"/invites", own, `{"role":"adult"}`), 201).json(t)["token"].(string)
	e.want(e.do("POST", "/v1/invites/accept", adult, fmt.Sprintf(`{"token":%q}`, inv)), 200)
	dev, secret := e.device(own, hh)
	update := "/v1/devices/" + dev + "/firmware/update"

	problem(t, e.do("POST", update, own, `{}`), 404) // nothing published yet
	image := e.publish("1.2.0", true)
	e.publish("1.3.0", false)
	problem(t, e.do("POST", update, "", `{}`), 401)
	problem(t, e.do("POST", update, stranger, `{}`), 404)
	problem(t, e.do("POST", update, adult, `{}`), 403)
	problem(t, e.do("POST", update, own, `{"version":"latest"}`), 400)
	image120 := "/v1/devices/" + dev + "/firmware/1.2.0/image"
	problem(t, e.do("GET", image120, secret, ""), 404) // not offered yet

	got := e.want(e.do("POST", update, own, `{"version":"1.2.0"}`), 202).json(t)
	if got["status"] != "pending" || !strings.Contains(got["note"].(string), "when the device is connected") {
		t.Errorf("manual update = %v, want pending, saying it is sent when the device is connected", got)
	}
	notes := e.want(e.do("GET", "/v1/me/notifications", adult, ""), 200)
	if !strings.Contains(string(notes.body), "firmware-substantial") || !strings.Contains(string(notes.body), "holiday schedule") {
		t.Errorf("the adult was not told what the substantial update changes: %s", notes.body)
	}

	res := e.want(e.do("GET", image120, secret, ""), 200)
	if string(res.body) != string(image) || res.header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("image = %q (%s), want the 1.2.0 image", res.body, res.header.Get("Content-Type"))
	}
	problem(t, e.do("GET", image120, "wrong-secret", ""), 401)
	problem(t, e.do("GET", image120, "", ""), 401)
	problem(t, e.do("GET", "/v1/devices/"+dev+"/firmware/1.3.0/image", secret, ""), 404)

	events := "/v1/devices/" + dev + "/events"
	p := problem(t, e.do("POST", events, secret, `{"type":"firmware","status":"installed","version":"1.3.0"}`), 400)
	if !strings.Contains(p.Detail, "version 1.3.0 was never offered to this device") {
		t.Errorf("never-offered report: %+v", p)
	}
	if fw := e.deviceField(own, hh, dev, "firmware"); fw != "1.0.0" {
		t.Errorf("firmware = %v after a refused report, want 1.0.0", fw)
	}
	e.clock.Advance(time.Second) // the reports list is latest first
	e.want(e.do("POST", events, secret, `{"type":"firmware","status":"installed","version":"1.2.0"}`), 204)
	if fw := e.deviceField(own, hh, dev, "firmware"); fw != "1.2.0" {
		t.Errorf("firmware = %v after the device installed 1.2.0", fw)
	}
	problem(t, e.do("POST", update, own, `{"version":"1.2.0"}`), 409)

	st := e.want(e.do("GET", "/v1/devices/"+dev+"/firmware", adult, ""), 200).json(t)
	offers, reports := st["offers"].([]any), st["reports"].([]any)
	if st["installed"] != "1.2.0" || len(offers) != 1 || offers[0].(map[string]any)["status"] != "installed" {
		t.Errorf("firmware status = %v, want 1.2.0 installed from its offer", st)
	}
	if len(reports) != 2 || reports[1].(map[string]any)["accepted"] != false || !strings.Contains(reports[1].(map[string]any)["problem"].(string), "never offered") {
		t.Errorf("reports = %v, want the install and, before it, the refused report with its problem", reports)
	}
	problem(t, e.do("GET", "/v1/devices/"+dev+"/firmware", stranger, ""), 404)
}

// deviceField returns a field of a device as its household's list shows it.
func (e *env) deviceField(token, hh, dev, field string) any {
	e.t.Helper()
	for _, d := range e.want(e.do("GET", "/v1/households/"+hh+"/devices", token, ""), 200).json(e.t)["devices"].([]any) {
		if m := d.(map[string]any); m["id"] == dev {
			return m[field]
		}
	}
	e.t.Fatalf("device %s not in its household's list", dev)
	return nil
}

// TestDeviceSupportShown: each device in the household's list shows its
// model's service lifetime, security-update end, support levels and
// repair information. LIFETIME-CLEAR REPAIR-INFO
func TestDeviceSupportShown(t *testing.T) {
	e := newEnv(t)
	own, _ := e.user("Own")
	hh := e.household(own)
	dev, _ := e.device(own, hh)
	sup, ok := e.deviceField(own, hh, dev, "support").(map[string]any)
	if !ok {
		t.Fatalf("device has no support object")
	}
	if sup["service_lifetime"] != "12y" || sup["security_updates_until"] != "2031-12-31" || sup["security_updates_ended"] != false {
		t.Errorf("support = %v", sup)
	}
	if levels, _ := sup["support_levels"].([]any); len(levels) != 3 {
		t.Errorf("support levels = %v, want 3", sup["support_levels"])
	}
	repair, _ := sup["repair"].(map[string]any)
	if repair == nil || repair["url"] == nil || len(repair["spare_parts"].([]any)) != 2 {
		t.Errorf("repair = %v, want its URL and two spare parts", sup["repair"])
	}
}

// signedRelease returns the body of an operator's release upload.
func signedRelease(t *testing.T, key ed25519.PrivateKey, version string, expires time.Time) string {
	t.Helper()
	image := []byte("ember-t1 image " + version)
	md, err := firmware.Sign(key, firmware.NewRelease("ember-t1", version, image, expires, true, "Adds a holiday schedule."))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"metadata": json.RawMessage(md), "image": base64.StdEncoding.EncodeToString(image)})
	return string(b)
}

// TestFirmwareOperatorAPI: only an operator signed in with a second factor
// publishes, lists and rolls out releases; an upload a device would refuse
// is refused, saying why; a rollout of a substantial release notifies the
// household first and reports each device. SEC-UPDATES FIRMWARE-NOTICE SEC-MFA
func TestFirmwareOperatorAPI(t *testing.T) {
	e := newEnvWith(t, envOptions{authClock: true})
	op := newMFAUser(e, "Opal")
	plain := newMFAUser(e, "Paul")
	accountID := e.want(e.do("GET", "/v1/me", op.token, ""), 200).json(t)["account_id"].(string)
	if err := e.db.SetOperator(t.Context(), accountID, true); err != nil {
		t.Fatal(err)
	}
	secret, _ := op.enrolTOTP()
	session := e.want(op.code(op.secondStep(), "totp", op.totp(secret)), 201).json(t)["token"].(string)
	hh := e.household(plain.token)
	dev, _ := e.device(plain.token, hh)

	good := signedRelease(t, fwKey, "1.2.0", e.clock.Now().Add(time.Hour))
	const releases, rollouts = "/v1/operator/firmware/releases", "/v1/operator/firmware/rollouts"
	e.want(e.do("POST", releases, "", good), 401)
	e.want(e.do("POST", releases, plain.token, good), 403)
	e.want(e.do("POST", releases, op.token, good), 403) // a password-only session
	other, _ := firmware.GenerateKey(rand.Reader)
	wantDetail(t, e.do("POST", releases, session, signedRelease(t, other, "1.2.0", e.clock.Now().Add(time.Hour))), 400, "wrong-key")
	wantDetail(t, e.do("POST", releases, session, signedRelease(t, fwKey, "1.2.0", e.clock.Now().Add(-time.Hour))), 400, "expired")
	wantDetail(t, e.do("POST", releases, session, `{"metadata":{},"image":"!"}`), 400, "image")
	e.want(e.do("POST", releases, session, good, "Content-Type", "text/plain"), 415)
	rel := e.want(e.do("POST", releases, session, good), 201).json(t)
	if rel["version"] != "1.2.0" || rel["key_id"] != firmware.KeyID(fwTrusted[0]) {
		t.Errorf("published = %v", rel)
	}
	e.want(e.do("POST", releases, session, good), 409)
	e.want(e.do("GET", releases, plain.token, ""), 403)
	list := e.want(e.do("GET", releases+"?model=ember-t1", session, ""), 200).json(t)["releases"].([]any)
	if len(list) != 1 {
		t.Errorf("releases = %v, want one", list)
	}

	body := fmt.Sprintf(`{"model":"ember-t1","version":"1.2.0","devices":[%q]}`, dev)
	e.want(e.do("POST", rollouts, plain.token, body), 403)
	wantDetail(t, e.do("POST", rollouts, session, `{"model":"ember-t1","version":"1.2.0","percent":150}`), 400, "percent")
	r := e.want(e.do("POST", rollouts, session, body), 202).json(t)
	devs := r["devices"].([]any)
	if r["notified"] != float64(1) || len(devs) != 1 || devs[0].(map[string]any)["status"] != "pending" {
		t.Errorf("rollout = %v, want the device pending and its owner notified", r)
	}
	notes := e.want(e.do("GET", "/v1/me/notifications", plain.token, ""), 200)
	if !strings.Contains(string(notes.body), "holiday schedule") {
		t.Errorf("the owner was not told what changes: %s", notes.body)
	}
}
