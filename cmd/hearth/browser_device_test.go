package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDevice: the device pages in Chromium, against the real
// binary. An owner reads what each model collects before claiming a
// device, claims it, switches it to local-only and back, starts a
// transfer and reads its one-time code; another household's owner
// accepts it and gets its new secret once; the previous owner's page of
// it then offers to erase its readings; a factory reset states first what
// the service keeps. Every page passes the audit (axe-core, one h1, CSP,
// 360 px) and none has a pre-checked choice (NOTICE-LAYERED,
// OWN-TRANSFER, OWN-CLEAN, LOCAL-ONLY, FACTORY-RESET, LIFETIME-CLEAR,
// REPAIR-INFO).
func TestBrowserDevice(t *testing.T) {
	data := t.TempDir()
	creds, hh, email, password := provisionDevices(t, data, "ember-t1", 1, "Home")
	unclaimed, _, _, _ := provisionDevices(t, data, "ember-t1", 1, "")
	p := startHearth(t, data)
	bea := signUp(t, p.HTTP, "bea@example.org")
	hhB := bea.call("POST", "/v1/households", map[string]string{"name": "Flat"}, http.StatusCreated)["id"].(string)

	b := newTab(t, p.HTTP)
	b.names = map[string]string{hh: "home", hhB: "flat", creds[0].ID: "t1", unclaimed[0].ID: "new"}
	b.open("/signin")
	b.wantStatus("sign in", b.submit(map[string]string{"#f-email": email, "#f-password": password}, "main form button[type=submit]"), http.StatusOK)

	// Claim: the privacy information first, then the code.
	b.wantStatus("claim page", b.open("/households/"+hh+"/devices/new"), http.StatusOK)
	b.wantText("Room temperature", "Keep the home at the temperature you set", "only if you agree")
	b.noPreChecked()
	b.audit("device-claim")
	b.wantStatus("wrong code", b.submit(map[string]string{"#f-code": "not-a-code"}, "#claim-form button[type=submit]"), http.StatusBadRequest)
	b.audit("device-claim-error")
	b.wantStatus("claim", b.submit(map[string]string{"#f-code": unclaimed[0].Code}, "#claim-form button[type=submit]"), http.StatusOK)
	if got, want := b.path(), "/households/"+hh+"/devices/"+unclaimed[0].ID; got != want {
		t.Fatalf("after claiming the browser is at %s, want %s", got, want)
	}
	b.wantText("Security updates until", "How updates install", "Spare parts", "Factory reset")
	b.noPreChecked()
	b.audit("device")

	// Local-only and back.
	b.wantStatus("local-only", b.click("#mode-form button[type=submit]"), http.StatusOK)
	b.wantText("The device is now local-only", "Reconnect to the service")
	b.audit("device-local-only")
	b.wantStatus("reconnect", b.click("#mode-form button[type=submit]"), http.StatusOK)

	// A transfer of the first device: its code, once.
	b.wantStatus("device page", b.open("/households/"+hh+"/devices/"+creds[0].ID), http.StatusOK)
	b.do("keep the readings", chromedp.Click(chromedp.CSS("#transfer-keep"), chromedp.NodeVisible))
	b.wantStatus("start transfer", b.click("#transfer-form button[type=submit]"), http.StatusCreated)
	code := b.text("#transfer-code .onetime code")
	if code == "" {
		t.Fatalf("no transfer code shown: %.800s", b.text("main"))
	}
	b.audit("device-transfer-code")

	nb := newTab(t, p.HTTP)
	nb.names = b.names
	nb.open("/signin")
	nb.wantStatus("sign in", nb.submit(map[string]string{"#f-email": "bea@example.org", "#f-password": "correct horse battery staple bea@example.org"}, "main form button[type=submit]"), http.StatusOK)
	nb.wantStatus("transfers page", nb.open("/households/"+hhB+"/transfers"), http.StatusOK)
	nb.audit("transfers")
	nb.wantStatus("accept", nb.submit(map[string]string{"#f-code": code}, "#accept-transfer-form button[type=submit]"), http.StatusCreated)
	if secret := nb.text("#transfer-accepted .onetime code"); secret == "" {
		t.Errorf("no new secret shown: %.800s", nb.text("main"))
	}
	nb.audit("transfer-accepted")
	nb.wantStatus("the device in its new household", nb.click("#transfer-accepted a"), http.StatusOK)
	if body := nb.text("main"); strings.Contains(body, "Transfer started") {
		t.Errorf("the new owner sees the previous household's log")
	}

	// The previous owner's page of it: erase what it sent.
	b.wantStatus("a device that left", b.open("/households/"+hh+"/devices/"+creds[0].ID), http.StatusOK)
	b.audit("device-left")
	b.wantStatus("erase its readings", b.submit(map[string]string{"#f-password": password}, "#erase-device-readings-form button[type=submit]"), http.StatusOK)
	b.wantText("were erased")

	// A factory reset of the claimed device.
	b.wantStatus("device page", b.open("/households/"+hh+"/devices/"+unclaimed[0].ID), http.StatusOK)
	b.wantText("What the service keeps afterwards", "lifecycle log")
	b.do("keep the readings", chromedp.Click(chromedp.CSS("#reset-keep"), chromedp.NodeVisible))
	b.wantStatus("reset", b.click("#reset-form button[type=submit]"), http.StatusOK)
	b.wantText("was reset", "What the service keeps")
	b.audit("device-reset")
	b.wantStatus("devices", b.open("/households/"+hh+"/devices"), http.StatusOK)
	b.wantText("There are no devices in this household yet")
	b.audit("devices")
}
