package http_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/internal/devicetest"
	"github.com/hearth-iot/hearth/lifecycle"
)

// sources returns the message sources of every reading of hh the
// token's holder may read for heating control.
func (e *env) sources(token, hh string) []string {
	e.t.Helper()
	page := e.want(e.do("GET", "/v1/households/"+hh+"/readings?purpose=heating-control&limit=1000", token, ""), 200).json(e.t)
	var out []string
	for _, r := range page["readings"].([]any) {
		out = append(out, r.(map[string]any)["values"].(map[string]any)["source"].(string))
	}
	return out
}

// actions returns a device's log as "action/outcome" lines.
func (e *env) actions(dev string) []string {
	e.t.Helper()
	return devicetest.Log(e.t, e.db, dev)
}

// startTransfer starts a transfer of dev as token with body and returns
// its one-time code.
func (e *env) startTransfer(token, dev, body string) string {
	e.t.Helper()
	return e.want(e.do("POST", "/v1/devices/"+dev+"/transfer", token, body), 201).json(e.t)["code"].(string)
}

// acceptTransfer accepts a transfer into hh as token with code.
func (e *env) acceptTransfer(token, hh, code string) response {
	e.t.Helper()
	return e.do("POST", "/v1/households/"+hh+"/transfers", token, fmt.Sprintf(`{"code":%q}`, code))
}

// householdOf returns the household a device is bound to now.
func (e *env) householdOf(dev string) string {
	e.t.Helper()
	d, err := e.db.Device(context.Background(), dev)
	if err != nil {
		e.t.Fatalf("Device: %v", err)
	}
	return d.HouseholdID
}

// OWN-TRANSFER, OWN-CLEAN: an owner starts a transfer, the new owner
// accepts it with the one-time code; the credential is rotated; the new
// household sees nothing from before and the previous one nothing after.
// A code reused, expired or used by the current owner gets a precise
// error, changes nothing and is recorded in the device log.
func TestTransferOverHTTP(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.user("Alice")
	bob, _ := e.user("Bob")
	mallory, _ := e.user("Mallory")
	hhA, hhB := e.household(alice), e.household(bob)
	dev, secret := e.device(alice, hhA)
	e.want(e.do("POST", "/v1/devices/"+dev+"/readings", secret, readingPayload("m1", "setpoint", "before")), 201)

	problem(t, e.do("POST", "/v1/devices/"+dev+"/transfer", mallory, `{"readings":"keep"}`), 404)
	problem(t, e.do("POST", "/v1/devices/"+dev+"/transfer", alice, `{"readings":"later"}`), 400)
	started := e.want(e.do("POST", "/v1/devices/"+dev+"/transfer", alice, `{"readings":"keep"}`), 201).json(t)
	code := started["code"].(string)
	if started["device_id"] != dev || started["expires"] == nil || started["readings"] != "keep" {
		t.Errorf("started transfer = %v", started)
	}
	if p := problem(t, e.acceptTransfer(alice, hhA, code), 409); p.Errors[0].Field != "code" {
		t.Errorf("accepted by the current owner: %+v, want a problem on code", p)
	}
	problem(t, e.acceptTransfer(bob, hhB, "NOT-A-CODE"), 400)
	if e.householdOf(dev) != hhA {
		t.Fatalf("the device left its household after refused acceptances")
	}

	got := e.want(e.acceptTransfer(bob, hhB, code), 201).json(t)
	newSecret := got["secret"].(string)
	if got["device"].(map[string]any)["id"] != dev || newSecret == "" || newSecret == secret {
		t.Errorf("accepted = %v, want the device and a new secret", got)
	}
	problem(t, e.do("POST", "/v1/devices/"+dev+"/readings", secret, readingPayload("m2", "setpoint", "old secret")), 401)
	e.want(e.do("POST", "/v1/devices/"+dev+"/readings", newSecret, readingPayload("m3", "setpoint", "after")), 201)
	if d := cmp.Diff([]string{"before"}, e.sources(alice, hhA)); d != "" {
		t.Errorf("previous household's readings (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"after"}, e.sources(bob, hhB)); d != "" {
		t.Errorf("new household's readings (-want +got):\n%s", d)
	}
	ns := e.want(e.do("GET", "/v1/me/notifications", alice, ""), 200).json(t)["items"].([]any)
	if len(ns) == 0 || ns[0].(map[string]any)["kind"] != "device-lifecycle" || !strings.Contains(ns[0].(map[string]any)["body"].(string), "stay with your household") {
		t.Errorf("previous owner's notifications %v, want one saying the device moved and its readings stay", ns)
	}
	if p := problem(t, e.acceptTransfer(bob, hhB, code), 409); p.Detail != "this transfer code has been used" {
		t.Errorf("reused code: %q", p.Detail)
	}

	// Bob hands it back, but Alice is too late.
	code = e.startTransfer(bob, dev, `{"readings":"keep"}`)
	e.clock.Advance(lifecycle.TransferTTL)
	problem(t, e.acceptTransfer(alice, hhA, code), 410)
	if e.householdOf(dev) != hhB {
		t.Errorf("the device left its household after an expired code")
	}
	problem(t, e.do("POST", "/v1/households/"+hhB+"/devices/"+dev+"/erasure", bob, `{"password":"correct horse battery staple"}`), 409) // still Bob's
	want := []string{"transfer-started/not-owner", "transfer-started/done", "transfer-refused/current-owner",
		"transfer-accepted/done", "transfer-refused/code-used", "transfer-started/done", "transfer-refused/code-expired"}
	if d := cmp.Diff(want, e.actions(dev)); d != "" {
		t.Errorf("device log (-want +got):\n%s", d)
	}
}

// FACTORY-RESET from the owner's account: the device is unbound and its
// credential revoked; the readings are kept, or erased at the owner's
// choice (with their password); a reset of another household's device is
// 404, changes nothing and is recorded.
func TestFactoryResetOverHTTP(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.user("Alice")
	mallory, _ := e.user("Mallory")
	hh := e.household(alice)
	e.household(mallory)
	kept, keptSecret := e.device(alice, hh)
	erased, erasedSecret := e.device(alice, hh)
	e.want(e.do("POST", "/v1/devices/"+kept+"/readings", keptSecret, readingPayload("k1", "setpoint", "kept")), 201)
	e.want(e.do("POST", "/v1/devices/"+erased+"/readings", erasedSecret, readingPayload("e1", "setpoint", "erased")), 201)

	problem(t, e.do("POST", "/v1/devices/"+kept+"/reset", mallory, `{"readings":"keep"}`), 404)
	if e.householdOf(kept) != hh {
		t.Fatalf("a stranger's reset unbound the device")
	}
	res := e.want(e.do("POST", "/v1/devices/"+kept+"/reset", alice, `{"readings":"keep"}`), 200).json(t)
	if kept, _ := res["kept"].(string); !strings.Contains(kept, "readings it sent stay with the household") {
		t.Errorf("reset answer's kept = %q, want it to say the readings stay", kept)
	}
	if cmd := res["command"].(map[string]any); cmd["type"] != "factory-reset" || cmd["delivered"] != false || cmd["id"] == "" {
		t.Errorf("reset answer %v, want the factory-reset command, not delivered (no device connected)", res)
	}
	if e.householdOf(kept) != "" {
		t.Errorf("the reset device is still bound")
	}
	problem(t, e.do("POST", "/v1/devices/"+kept+"/readings", keptSecret, readingPayload("k2", "setpoint", "x")), 401)

	if p := problem(t, e.do("POST", "/v1/devices/"+erased+"/reset", alice, `{"readings":"erase"}`), 400); p.Errors[0].Field != "password" {
		t.Errorf("erase without a password: %+v, want a problem on password", p)
	}
	problem(t, e.do("POST", "/v1/devices/"+erased+"/reset", alice, `{"readings":"erase","password":"wrong guess entirely"}`), 403)
	if e.householdOf(erased) != hh {
		t.Fatalf("a refused reset unbound the device")
	}
	res = e.want(e.do("POST", "/v1/devices/"+erased+"/reset", alice, `{"readings":"erase","password":"correct horse battery staple"}`), 200).json(t)
	if res["erased"] != 1.0 {
		t.Errorf("erased = %v, want 1", res["erased"])
	}
	if d := cmp.Diff([]string{"kept"}, e.sources(alice, hh)); d != "" {
		t.Errorf("household readings after the resets (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"reset-refused/not-owner", "factory-reset/not-delivered"}, e.actions(kept)); d != "" {
		t.Errorf("device log (-want +got):\n%s", d)
	}
}

// FACTORY-RESET from the device: it announces its reset and is unbound,
// its credential revoked; its readings stay with the household, and the
// owner is told and may then choose to erase them (with the password). A
// command it refused is recorded with the command's ID.
func TestDeviceAnnouncesResetOverHTTP(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.user("Alice")
	hh := e.household(alice)
	dev, secret := e.device(alice, hh)
	e.want(e.do("POST", "/v1/devices/"+dev+"/readings", secret, readingPayload("r1", "setpoint", "kept")), 201)
	e.want(e.do("POST", "/v1/devices/"+dev+"/events", secret, `{"type":"command-refused","command":"cmd_7","reason":"unknown command type"}`), 204)
	e.want(e.do("POST", "/v1/devices/"+dev+"/events", secret, `{"type":"factory-reset"}`), 204)
	if e.householdOf(dev) != "" {
		t.Errorf("the device is still bound after announcing its reset")
	}
	problem(t, e.do("POST", "/v1/devices/"+dev+"/events", secret, `{"type":"factory-reset"}`), 401)
	if d := cmp.Diff([]string{"kept"}, e.sources(alice, hh)); d != "" {
		t.Errorf("household readings (-want +got):\n%s", d)
	}
	ns := e.want(e.do("GET", "/v1/me/notifications", alice, ""), 200).json(t)["items"].([]any)
	if len(ns) == 0 || ns[0].(map[string]any)["kind"] != "device-lifecycle" || !strings.Contains(ns[0].(map[string]any)["body"].(string), dev) {
		t.Errorf("owner's notifications %v, want one about the device's reset", ns)
	}
	erase := "/v1/households/" + hh + "/devices/" + dev + "/erasure"
	problem(t, e.do("POST", erase, alice, `{}`), 400)
	problem(t, e.do("POST", erase, alice, `{"password":"wrong guess entirely"}`), 403)
	if got := e.want(e.do("POST", erase, alice, `{"password":"correct horse battery staple"}`), 200).json(t); got["erased"] != 1.0 {
		t.Errorf("erasure = %v, want erased 1", got)
	}
	if got := e.sources(alice, hh); len(got) != 0 {
		t.Errorf("household readings after the owner's erasure: %v, want none", got)
	}
	if d := cmp.Diff([]string{"command-refused/done", "factory-reset/done", "readings-erased/done"}, e.actions(dev)); d != "" {
		t.Errorf("device log (-want +got):\n%s", d)
	}
	log, err := e.db.DeviceLog(context.Background(), dev)
	if err != nil || len(log) < 2 || log[0].CommandID != "cmd_7" || log[0].PersonID != "" || log[1].HouseholdID != hh {
		t.Errorf("device log %+v (%v), want the refused command's ID, no person, and the household reset from", log, err)
	}
}

// LOCAL-ONLY: the owner switches the device's link off; the HTTP device
// routes refuse it (403) until the owner switches it back.
func TestLocalOnlyOverHTTP(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.user("Alice")
	adult, _ := e.user("Adult")
	hh := e.household(alice)
	inv := e.want(e.do("POST", "/v1/households/"+hh+"/invites", alice, `{"role":"adult"}`), 201).json(t)["token"].(string)
	e.want(e.do("POST", "/v1/invites/accept", adult, fmt.Sprintf(`{"token":%q}`, inv)), 200)
	dev, secret := e.device(alice, hh)

	problem(t, e.do("PUT", "/v1/devices/"+dev+"/mode", alice, `{"mode":"offline"}`), 400)
	problem(t, e.do("PUT", "/v1/devices/"+dev+"/mode", adult, `{"mode":"local-only"}`), 403)
	m := e.want(e.do("PUT", "/v1/devices/"+dev+"/mode", alice, `{"mode":"local-only"}`), 200).json(t)
	if m["mode"] != "local-only" || m["command"].(map[string]any)["type"] != "set-mode" {
		t.Errorf("mode answer %v, want local-only with the set-mode command", m)
	}
	problem(t, e.do("POST", "/v1/devices/"+dev+"/readings", secret, readingPayload("l1", "setpoint", "local")), 403)
	problem(t, e.do("POST", "/v1/devices/"+dev+"/events", secret, `{"type":"factory-reset"}`), 403)
	devs := e.want(e.do("GET", "/v1/households/"+hh+"/devices", alice, ""), 200).json(t)["devices"].([]any)
	if devs[0].(map[string]any)["mode"] != "local-only" {
		t.Errorf("devices = %v, want the device in local-only mode", devs)
	}
	if m := e.want(e.do("PUT", "/v1/devices/"+dev+"/mode", alice, `{"mode":"cloud"}`), 200).json(t); m["command"] != nil {
		t.Errorf("switching back answered %v, want no command", m)
	}
	e.want(e.do("POST", "/v1/devices/"+dev+"/readings", secret, readingPayload("c1", "setpoint", "cloud")), 201)
	if d := cmp.Diff([]string{"cloud"}, e.sources(alice, hh)); d != "" {
		t.Errorf("readings (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"mode-changed/not-owner", "mode-changed/not-delivered", "mode-changed/done"}, e.actions(dev)); d != "" {
		t.Errorf("device log (-want +got):\n%s", d)
	}
}

// OWN-TRANSFER with the previous household's choice to erase: its readings
// from the device are erased when the code is accepted (with the password
// given when it started). A transfer whose device was removed from the
// household since is refused, recorded, and moves nothing.
func TestTransferEraseAndRemovedDevice(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.user("Alice")
	bob, _ := e.user("Bob")
	hhA, hhB := e.household(alice), e.household(bob)
	dev, secret := e.device(alice, hhA)
	e.want(e.do("POST", "/v1/devices/"+dev+"/readings", secret, readingPayload("m1", "setpoint", "before")), 201)
	problem(t, e.do("POST", "/v1/devices/"+dev+"/transfer", alice, `{"readings":"erase"}`), 400)
	code := e.startTransfer(alice, dev, `{"readings":"erase","password":"correct horse battery staple"}`)
	if got := e.want(e.acceptTransfer(bob, hhB, code), 201).json(t); got["erased"] != 1.0 {
		t.Errorf("accepted = %v, want erased 1", got)
	}
	if got := e.sources(alice, hhA); len(got) != 0 {
		t.Errorf("previous household's readings after an erasing transfer: %v, want none", got)
	}

	removed, _ := e.device(alice, hhA)
	code = e.startTransfer(alice, removed, `{"readings":"keep"}`)
	e.want(e.do("DELETE", "/v1/households/"+hhA+"/devices/"+removed, alice, ""), 204)
	problem(t, e.acceptTransfer(bob, hhB, code), 409)
	if e.householdOf(removed) != "" {
		t.Errorf("a removed device was transferred")
	}
	if d := cmp.Diff([]string{"transfer-started/done", "transfer-refused/device-moved"}, e.actions(removed)); d != "" {
		t.Errorf("device log (-want +got):\n%s", d)
	}
}

// FACTORY-RESET announced by a device bound to no household (reset twice,
// say) has nothing to undo: it is only recorded.
func TestResetOfAnUnboundDevice(t *testing.T) {
	e := newEnv(t)
	dev, _, _, err := e.hh.ProvisionDevice(context.Background(), "ember-t1", "1.0.0")
	if err != nil {
		t.Fatalf("ProvisionDevice: %v", err)
	}
	if err := e.lc.HandleDeviceEvent(context.Background(), dev.ID, hearth.DeviceEvent{Type: hearth.EventFactoryReset}); err != nil {
		t.Fatalf("HandleDeviceEvent: %v", err)
	}
	if d := cmp.Diff([]string{"factory-reset/done"}, e.actions(dev.ID)); d != "" {
		t.Errorf("device log (-want +got):\n%s", d)
	}
	err = e.lc.HandleDeviceEvent(context.Background(), dev.ID, hearth.DeviceEvent{Type: hearth.EventFirmware})
	if code := hearth.ErrorCode(err); code != hearth.EINVALID {
		t.Errorf("a firmware event: %v, want EINVALID", err)
	}
}

// SEC-BRUTE: after AcceptFailures refused transfer codes, an account's
// acceptances are refused (429), even with a good code, which then still
// works for the device's new owner after the lock.
func TestTransferAcceptanceThrottled(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.user("Alice")
	bob, _ := e.user("Bob")
	hhA, hhB := e.household(alice), e.household(bob)
	dev, _ := e.device(alice, hhA)
	code := e.startTransfer(alice, dev, `{"readings":"keep"}`)
	for i := range lifecycle.AcceptFailures {
		problem(t, e.do("POST", "/v1/households/"+hhB+"/transfers", bob, fmt.Sprintf(`{"code":"WRONG-%04d"}`, i)), 400)
	}
	r := e.acceptTransfer(bob, hhB, code)
	problem(t, r, 429)
	if r.header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	if e.householdOf(dev) != hhA {
		t.Fatalf("a throttled acceptance moved the device")
	}
	e.clock.Advance(lifecycle.AcceptFailureWindow + time.Second)
	e.want(e.acceptTransfer(bob, hhB, code), 201)
}
