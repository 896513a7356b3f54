package http_test

import (
	"archive/zip"
	"bytes"
	"context"
	"testing"

	"golang.org/x/oauth2"

	"github.com/hearth-iot/hearth/client"
)

// TestClient drives package client through the common flows against a real
// server (SQLite, the real services), every exchange checked against the
// OpenAPI document by newEnv's checker (INT-CLIENTS): sign up and in,
// households, devices, readings, consents, the export and rights requests,
// errors as *client.Error; and the same client over an *http.Client from
// golang.org/x/oauth2, which carries the bearer token itself.
func TestClient(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const pw = "correct horse battery staple"
	c := client.New(e.url, e.client)
	if err := c.SignUp(ctx, "cleo@example.org", pw, "Cleo"); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	if _, err := c.SignIn(ctx, "cleo@example.org", "wrong password"); !client.IsCode(err, "unauthorized") {
		t.Fatalf("SignIn with a wrong password: err = %v, want unauthorized", err)
	}
	s, err := c.SignIn(ctx, "cleo@example.org", pw)
	if err != nil || s.Token == "" || c.Token() != s.Token {
		t.Fatalf("SignIn = %+v, %v; want a session whose token the client sends", s, err)
	}
	me, err := c.Me(ctx)
	if err != nil || me.Email != "cleo@example.org" || me.PersonID == "" {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	hh, err := c.CreateHousehold(ctx, "Flat")
	if err != nil {
		t.Fatalf("CreateHousehold: %v", err)
	}
	if list, err := c.Households(ctx); err != nil || len(list) != 1 || list[0].ID != hh.ID {
		t.Errorf("Households = %+v, %v; want just %s", list, err, hh.ID)
	}
	if m, err := c.Members(ctx, hh.ID); err != nil || len(m) != 1 || m[0].PersonID != me.PersonID || m[0].Role != "owner" {
		t.Errorf("Members = %+v, %v; want the owner", m, err)
	}

	dev, secret, code, err := e.hh.ProvisionDevice(ctx, "ember-t1", "1.0.0")
	if err != nil {
		t.Fatalf("ProvisionDevice: %v", err)
	}
	if _, err := c.ClaimDevice(ctx, hh.ID, "not-a-code"); !client.IsCode(err, "invalid") {
		t.Errorf("ClaimDevice with a wrong code: err = %v, want invalid", err)
	}
	if d, err := c.ClaimDevice(ctx, hh.ID, code); err != nil || d.ID != dev.ID {
		t.Fatalf("ClaimDevice = %+v, %v; want %s", d, err, dev.ID)
	}
	if ds, err := c.Devices(ctx, hh.ID); err != nil || len(ds) != 1 || ds[0].Model != "ember-t1" {
		t.Errorf("Devices = %+v, %v", ds, err)
	}
	e.want(e.do("POST", "/v1/devices/"+dev.ID+"/readings", secret, readingPayload("c1", "setpoint", "CLIENT")), 201)
	page, err := c.Readings(ctx, hh.ID, client.ReadingsQuery{Purpose: "heating-control", Person: "-", Limit: 10})
	if err != nil || len(page.Readings) != 1 || page.Readings[0].Values["source"] != "CLIENT" {
		t.Errorf("Readings = %+v, %v; want the one reading", page, err)
	}
	if _, err := c.Readings(ctx, "hh_nosuch", client.ReadingsQuery{Purpose: "heating-control"}); !client.IsCode(err, "not_found") {
		t.Errorf("Readings of another household: err = %v, want not_found", err)
	}

	consents, err := c.Consents(ctx, hh.ID, me.PersonID)
	if err != nil {
		t.Fatalf("Consents: %v", err)
	}
	if _, ok := consents["energy-insights"]; !ok {
		t.Errorf("Consents = %v, want energy-insights listed", consents)
	}
	st, err := c.Decide(ctx, hh.ID, me.PersonID, "energy-insights", client.Decision{Decision: "give", Method: "api"})
	if err != nil || st.Status != "given" {
		t.Errorf("Decide = %+v, %v; want given", st, err)
	}

	link, err := c.RequestExport(ctx, hh.ID, me.PersonID, pw)
	if err != nil {
		t.Fatalf("RequestExport: %v", err)
	}
	var zipped bytes.Buffer
	n, err := c.DownloadExport(ctx, link, &zipped)
	if err != nil || n == 0 {
		t.Fatalf("DownloadExport = %d, %v", n, err)
	}
	if _, err := zip.NewReader(bytes.NewReader(zipped.Bytes()), n); err != nil {
		t.Errorf("the export is not a ZIP archive: %v", err)
	}
	r, err := c.OpenRequest(ctx, hh.ID, me.PersonID, client.NewRequest{Type: "erasure", Scope: "purpose:energy-insights", Password: pw})
	if err != nil || r.Status != "received" {
		t.Fatalf("OpenRequest = %+v, %v; want received", r, err)
	}
	if _, err := c.OpenRequest(ctx, hh.ID, me.PersonID, client.NewRequest{Type: "erasure", Password: "wrong"}); !client.IsCode(err, "forbidden") {
		t.Errorf("OpenRequest with a wrong password: err = %v, want forbidden", err)
	}
	reqs, err := c.Requests(ctx, hh.ID, me.PersonID)
	if err != nil || len(reqs) < 2 || reqs[0].Type == "" {
		t.Errorf("Requests = %+v, %v; want the access request of the export and the erasure request", reqs, err)
	}
	if mine, err := c.MyRequests(ctx); err != nil || len(mine) != len(reqs) {
		t.Errorf("MyRequests = %d requests, %v; want %d", len(mine), err, len(reqs))
	}
	if l, err := c.RequestMyExport(ctx, pw); err != nil || l.URL == "" {
		t.Errorf("RequestMyExport = %+v, %v", l, err)
	}

	// The same calls through an OAuth 2 client: the token source supplies
	// the bearer token, and the client sends none of its own.
	oc := client.New(e.url, oauth2.NewClient(context.WithValue(ctx, oauth2.HTTPClient, e.client),
		oauth2.StaticTokenSource(&oauth2.Token{AccessToken: s.Token, TokenType: "Bearer"})))
	if me2, err := oc.Me(ctx); err != nil || me2.PersonID != me.PersonID {
		t.Errorf("Me through oauth2's client = %+v, %v", me2, err)
	}

	if err := c.SignOut(ctx); err != nil {
		t.Fatalf("SignOut: %v", err)
	}
	if _, err := c.WithToken(s.Token).Me(ctx); !client.IsCode(err, "unauthorized") {
		t.Errorf("Me after signing out: err = %v, want unauthorized", err)
	}
}
