package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// TestOperatorsGrantNeedsSecondFactor: `hearth operators grant` on a
// running server's data directory makes an account an operator, which
// reaches operator routes only after enrolling an authenticator app and
// signing in with it; `revoke` takes the role back (SEC-MFA).
func TestOperatorsGrantNeedsSecondFactor(t *testing.T) {
	data := t.TempDir()
	p := startHearth(t, data)
	const email = "ops@example.com"
	ops := signUp(t, p.HTTP, email)
	ops.call("GET", "/v1/operator/me", nil, http.StatusForbidden)

	code, out, errOut := runHearth(t, t.Context(), "operators", "grant", "--data", data, "nobody@example.com")
	if code != exitError || !strings.Contains(errOut, "no account has this e-mail address") {
		t.Errorf("grant to an unknown address: exit %d, %s%s; want 1 saying so", code, out, errOut)
	}
	if code, _, errOut = runHearth(t, t.Context(), "operators", "promote", "--data", data, email); code != exitUsage {
		t.Errorf("operators promote: exit %d, %s; want %d", code, errOut, exitUsage)
	}
	code, out, errOut = runHearth(t, t.Context(), "operators", "grant", "--data", data, email)
	if code != 0 || !strings.Contains(out, "is an operator") || strings.Contains(out, email) {
		t.Fatalf("operators grant: exit %d\n%s%s; want success naming the account by ID", code, out, errOut)
	}
	got := ops.call("GET", "/v1/operator/me", nil, http.StatusForbidden)
	if !strings.Contains(got["detail"].(string), "must use a second factor") {
		t.Errorf("operator without a second factor: %v", got)
	}

	secret := ops.call("POST", "/v1/me/second-factor/totp", nil, http.StatusCreated)["secret"].(string)
	now, _ := totp.GenerateCode(secret, time.Now())
	ops.call("POST", "/v1/me/second-factor/totp/confirm", map[string]string{"code": now}, http.StatusOK)
	ops.call("GET", "/v1/operator/me", nil, http.StatusForbidden) // a password-only session

	pw := "correct horse battery staple " + email
	anon := &api{t: t, base: p.HTTP}
	step := anon.call("POST", "/v1/sessions", map[string]string{"email": email, "password": pw}, http.StatusAccepted)["second_step_token"].(string)
	next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second)) // the confirming code's step is used
	s := anon.call("POST", "/v1/sessions/second-factor", map[string]string{"second_step_token": step, "method": "totp", "code": next}, http.StatusCreated)
	strong := &api{t: t, base: p.HTTP, token: s["token"].(string)}
	if me := strong.call("GET", "/v1/operator/me", nil, http.StatusOK); me["session_factor"] != "totp" {
		t.Errorf("GET /v1/operator/me = %v, want a totp session", me)
	}

	if code, out, errOut = runHearth(t, t.Context(), "operators", "revoke", "--data", data, email); code != 0 {
		t.Fatalf("operators revoke: exit %d\n%s%s", code, out, errOut)
	}
	strong.call("GET", "/v1/operator/me", nil, http.StatusForbidden)
}
