package main

import (
	"net/http"
	"strings"
	"testing"
)

// rightsHome is a running server with one owner (signed in, with their
// password for re-authentication), their household and one claimed device
// of model.
type rightsHome struct {
	p        *proc
	data     string
	owner    *api
	password string
	me, hh   string
	dev      cred
}

// newRightsHome starts a server with extra serve arguments (such as
// --manifest FILE, which provisioning gets too) and sets up the home.
func newRightsHome(t *testing.T, model string, extra ...string) *rightsHome {
	t.Helper()
	h := &rightsHome{data: t.TempDir()}
	creds, _, _, _ := provisionDevices(t, h.data, model, 1, "", extra...)
	h.dev = creds[0]
	h.p = startHearth(t, h.data, extra...)
	const email = "owner@example.com"
	h.owner, h.password = signUp(t, h.p.HTTP, email), "correct horse battery staple "+email
	h.me = h.owner.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)
	h.hh = h.owner.call("POST", "/v1/households", map[string]string{"name": "Home"}, http.StatusCreated)["id"].(string)
	h.owner.call("POST", "/v1/households/"+h.hh+"/devices", map[string]string{"code": h.dev.Code}, http.StatusCreated)
	return h
}

// send publishes a reading of category about the owner over real MQTT and
// reports whether it was stored.
func (h *rightsHome) send(t *testing.T, id, category string, values map[string]any) bool {
	t.Helper()
	msg := strings.Replace(string(payload(id, category, values)), `"category"`, `"person":"`+h.me+`","category"`, 1)
	return publishV5(t, h.p.MQTTAddr, h.dev, msg)
}
