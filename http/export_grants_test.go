package http_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// exportSchemas compiles the named definitions of docs/export.schema.json.
func exportSchemas(t *testing.T, defs ...string) map[string]*jsonschema.Schema {
	t.Helper()
	f, err := os.Open("../docs/export.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://hearth.example/schemas/export.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]*jsonschema.Schema{}
	for _, d := range defs {
		if out[d], err = c.Compile(url + "#/$defs/" + d); err != nil {
			t.Fatalf("compile %s: %v", d, err)
		}
	}
	return out
}

// sharedRead makes Owner's household with the adults Alice and Bob, Alice
// sharing her room temperature with Bob, and Bob reading her readings for
// heating control: a member's access to another's data.
func (e *env) sharedRead() (hh, alice, aliceID, bob, bobID string) {
	e.t.Helper()
	owner, _ := e.user("Owner")
	alice, aliceID = e.user("Alice")
	bob, bobID = e.user("Bob")
	hh = e.household(owner)
	e.join(owner, hh, alice, "adult")
	e.join(owner, hh, bob, "adult")
	e.want(e.do("POST", "/v1/households/"+hh+"/people/"+aliceID+"/shares", alice, fmt.Sprintf(`{"category":"room-temperature","with":%q}`, bobID)), 200)
	e.want(e.do("GET", "/v1/households/"+hh+"/readings?purpose=heating-control&person="+aliceID, bob, ""), 200)
	return hh, alice, aliceID, bob, bobID
}

// TestExportHoldsClientsAndAccesses: RIGHT-ACCESS, AUDIT, INT-CLIENTS,
// end to end: Alice connects a client (golang.org/x/oauth2, the consent
// screen) that reads her consents, and Bob, a member she shares with,
// reads her readings; her export, requested and downloaded through the
// API, holds the client's grant (its name and scopes, no token) and both
// accesses, each file valid against docs/export.schema.json. Bob's own
// grant to the same client and the client's accesses to Bob's data are
// not in it (RIGHT-ACCESS-OTHERS).
func TestExportHoldsClientsAndAccesses(t *testing.T) {
	e := newEnv(t)
	hh, alice, aliceID, bob, bobID := e.sharedRead()
	person := "/v1/households/" + hh + "/people/" + aliceID

	cfg := e.oauthClient(false, "consents:read")
	tok := e.grant(e.browserAs(alice), cfg, "consents:read")
	e.want(e.do("GET", person+"/consents", tok.AccessToken, ""), 200)
	bobTok := e.grant(e.browserAs(bob), cfg, "consents:read")
	e.want(e.do("GET", "/v1/households/"+hh+"/people/"+bobID+"/consents", bobTok.AccessToken, ""), 200)

	link := e.want(e.do("POST", person+"/exports", alice, `{"password":"correct horse battery staple"}`), 201).json(t)["url"].(string)
	res := e.want(e.do("GET", link, alice, ""), 200)
	zr, err := zip.NewReader(bytes.NewReader(res.body), int64(len(res.body)))
	if err != nil {
		t.Fatalf("the download is not a ZIP: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{tok.AccessToken, tok.RefreshToken, bobTok.AccessToken, bobTok.RefreshToken} {
		_, sig, _ := strings.Cut(f, ".")
		for name, b := range files {
			if bytes.Contains(b, []byte(f)) || sig != "" && bytes.Contains(b, []byte(sig)) {
				t.Errorf("%s holds a token or its signature", name)
			}
		}
	}

	schemas := exportSchemas(t, "connectedClients", "accessEntry")
	validate := func(def, name string, doc []byte) {
		t.Helper()
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := schemas[def].Validate(v); err != nil {
			t.Errorf("%s does not match #/$defs/%s: %v", name, def, err)
		}
	}
	validate("connectedClients", "connected-clients.json", files["connected-clients.json"])
	var grants []struct {
		ClientID      string   `json:"client_id"`
		ClientName    string   `json:"client_name"`
		GrantedScopes []string `json:"granted_scopes"`
		Active        bool     `json:"active"`
		Expires       string   `json:"expires"`
	}
	if err := json.Unmarshal(files["connected-clients.json"], &grants); err != nil {
		t.Fatal(err)
	}
	if len(grants) == 0 {
		t.Fatal("connected-clients.json is empty after Alice connected a client")
	}
	for _, g := range grants {
		if g.ClientID != cfg.ClientID || g.ClientName != "Heat Planner" || !slices.Contains(g.GrantedScopes, "consents:read") || !g.Active || g.Expires == "" {
			t.Errorf("grant %+v, want Heat Planner's active grant of consents:read with its expiry", g)
		}
	}

	var member, client bool
	sc := bufio.NewScanner(bytes.NewReader(files["accesses.jsonl"]))
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		n++
		validate("accessEntry", fmt.Sprintf("accesses.jsonl line %d", n), sc.Bytes())
		var a struct {
			Person, Actor string
			Details       map[string]any
		}
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		kind, action, via := a.Details["actor_kind"], a.Details["action"], a.Details["via"]
		switch {
		case a.Person != aliceID:
			t.Errorf("accesses.jsonl line %d is about %s, not Alice", n, a.Person)
		case via == bobID:
			t.Errorf("accesses.jsonl line %d is the client's access for Bob", n)
		case kind == "member" && a.Actor == bobID && action == "GET /v1/households/{hh}/readings":
			member = true
		case kind == "client" && a.Actor == "client:"+cfg.ClientID && action == "GET /v1/households/{hh}/people/{person}/consents":
			client = true
		}
	}
	if !member || !client {
		t.Errorf("accesses.jsonl (%d entries) lacks Bob's read (%v) or the client's (%v):\n%s", n, member, client, files["accesses.jsonl"])
	}
	if index := string(files["index.html"]); !strings.Contains(index, "Heat Planner") || !strings.Contains(index, "Who accessed your data") {
		t.Error("index.html does not name the connected client or the accesses")
	}
}
