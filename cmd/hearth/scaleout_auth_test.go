package main

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/hearth-iot/hearth/internal/passkeytest"
)

// TestScaleOutSignInAcrossNodes: two `hearth serve` nodes on one
// PostgreSQL, as behind a round-robin load balancer: a sign-in with an
// authenticator app begun on node A is finished on node B, and its token
// replayed on A is refused; a passkey registration begun on B is finished
// on A, and a passkey sign-in alternates between the nodes at each request
// (SEC-MFA).
func TestScaleOutSignInAcrossNodes(t *testing.T) {
	const origin = "https://hearth.example"
	pg := newPGStore(t)
	a := pg.node(t, "--webauthn-origin", origin)
	b := pg.node(t, "--webauthn-origin", origin)
	c := http.DefaultClient
	const email, pw = "nodes@example.org", "correct horse battery staple nodes"
	onA := &api{t: t, base: a.HTTP}
	onA.call("POST", "/v1/accounts", map[string]string{"email": email, "password": pw, "display_name": "Nodes"}, http.StatusAccepted)
	onA = signIn(t, a.HTTP, email, pw)
	onB := &api{t: t, base: b.HTTP, token: onA.token}

	secret, _ := onA.call("POST", "/v1/me/second-factor/totp", nil, http.StatusCreated)["secret"].(string)
	code, _ := totp.GenerateCode(secret, time.Now())
	onB.call("POST", "/v1/me/second-factor/totp/confirm", map[string]string{"code": code}, http.StatusOK)

	secondStep := func(p *proc) string {
		t.Helper()
		r := call(t, c, "POST", p.HTTP+"/v1/sessions", "", map[string]string{"email": email, "password": pw})
		step, _ := r.json["second_step_token"].(string)
		if r.status != http.StatusAccepted || step == "" {
			t.Fatalf("sign-in on %s: %d %s, want 202 with a second-step token", p.HTTP, r.status, r.body)
		}
		return step
	}

	step := secondStep(a)
	next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second)) // the confirming code's step is used
	r := call(t, c, "POST", b.HTTP+"/v1/sessions/second-factor", "", map[string]string{"second_step_token": step, "method": "totp", "code": next})
	session, _ := r.json["token"].(string)
	if r.status != http.StatusCreated || session == "" {
		t.Fatalf("second factor on node B for a sign-in begun on node A: %d %s, want 201", r.status, r.body)
	}
	if me := call(t, c, "GET", a.HTTP+"/v1/me", session, nil); me.status != http.StatusOK {
		t.Errorf("GET /v1/me on node A with the session opened on B: %d %s", me.status, me.body)
	}
	if r := call(t, c, "POST", a.HTTP+"/v1/sessions/second-factor", "", map[string]string{"second_step_token": step, "method": "totp", "code": next}); r.status != http.StatusConflict {
		t.Errorf("the finished second step replayed on node A: %d %s, want 409", r.status, r.body)
	}

	key := passkeytest.New(t, origin)
	challenge, rpID := passkeyOptions(t, onB.call("POST", "/v1/me/passkeys/options", nil, http.StatusOK))
	cred := json.RawMessage(key.Create(challenge, rpID))
	onA.call("POST", "/v1/me/passkeys", map[string]any{"credential": cred}, http.StatusCreated)

	step = secondStep(b)
	r = call(t, c, "POST", a.HTTP+"/v1/sessions/second-factor/passkey/options", "", map[string]string{"second_step_token": step})
	if r.status != http.StatusOK {
		t.Fatalf("passkey options on node A for a sign-in begun on node B: %d %s", r.status, r.body)
	}
	challenge, rpID = passkeyOptions(t, r.json)
	assertion := json.RawMessage(key.Get(challenge, rpID, 1))
	r = call(t, c, "POST", b.HTTP+"/v1/sessions/second-factor/passkey", "", map[string]any{"second_step_token": step, "credential": assertion})
	if r.status != http.StatusCreated {
		t.Fatalf("passkey answer on node B to node A's challenge: %d %s, want 201", r.status, r.body)
	}
	if r := call(t, c, "POST", a.HTTP+"/v1/sessions/second-factor/passkey", "", map[string]any{"second_step_token": step, "credential": assertion}); r.status != http.StatusConflict {
		t.Errorf("the assertion replayed on node A: %d %s, want 409", r.status, r.body)
	}
}

// passkeyOptions returns the challenge and relying party ID of passkey
// options (registration or assertion) as the API answers them.
func passkeyOptions(t *testing.T, o map[string]any) (challenge, rpID string) {
	t.Helper()
	pk, _ := o["publicKey"].(map[string]any)
	challenge, _ = pk["challenge"].(string)
	rpID, _ = pk["rpId"].(string)
	if rp, ok := pk["rp"].(map[string]any); ok && rpID == "" {
		rpID, _ = rp["id"].(string)
	}
	if challenge == "" || rpID == "" {
		t.Fatalf("passkey options without a challenge or relying party: %v", o)
	}
	return challenge, rpID
}
