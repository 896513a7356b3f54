package http_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/internal/passkeytest"
)

const testPassword = "correct horse battery staple"

// mfaUser is a signed-up account in an env whose auth service reads the
// env's clock.
type mfaUser struct {
	e     *env
	email string
	token string // a password-only session
}

func newMFAUser(e *env, name string) *mfaUser {
	e.t.Helper()
	u := &mfaUser{e: e, email: strings.ToLower(name) + "@example.org"}
	e.want(e.do("POST", "/v1/accounts", "", fmt.Sprintf(`{"email":%q,"password":%q,"display_name":%q}`, u.email, testPassword, name)), 202)
	u.token = e.want(u.signIn(), 201).json(e.t)["token"].(string)
	return u
}

func (u *mfaUser) signIn() response {
	return u.e.do("POST", "/v1/sessions", "", fmt.Sprintf(`{"email":%q,"password":%q}`, u.email, testPassword))
}

// secondStep signs in with the password and returns the second-step token.
func (u *mfaUser) secondStep() string {
	u.e.t.Helper()
	r := u.e.want(u.signIn(), 202).json(u.e.t)
	if r["second_factor_required"] != true || r["token"] != nil {
		u.e.t.Fatalf("sign-in with a second factor = %v, want a second step and no session", r)
	}
	return r["second_step_token"].(string)
}

// code finishes a second step with a TOTP or recovery code.
func (u *mfaUser) code(step, method, code string) response {
	return u.e.do("POST", "/v1/sessions/second-factor", "", fmt.Sprintf(`{"second_step_token":%q,"method":%q,"code":%q}`, step, method, code))
}

// enrolTOTP sets up an authenticator app and returns its secret and the
// recovery codes.
func (u *mfaUser) enrolTOTP() (secret string, recovery []string) {
	e := u.e
	e.t.Helper()
	r := e.want(e.do("POST", "/v1/me/second-factor/totp", u.token, ""), 201).json(e.t)
	secret = r["secret"].(string)
	if uri := r["otpauth_uri"].(string); !strings.HasPrefix(uri, "otpauth://totp/") || !strings.Contains(uri, "secret="+secret) {
		e.t.Errorf("otpauth_uri = %q, want an otpauth://totp/ URI with the secret", uri)
	}
	e.want(e.do("POST", "/v1/me/second-factor/totp/confirm", u.token, `{"code":"000000x"}`), 400)
	r = e.want(e.do("POST", "/v1/me/second-factor/totp/confirm", u.token, fmt.Sprintf(`{"code":%q}`, u.totp(secret))), 200).json(e.t)
	for _, c := range r["recovery_codes"].([]any) {
		recovery = append(recovery, c.(string))
	}
	if len(recovery) != auth.RecoveryCodeCount {
		e.t.Fatalf("%d recovery codes, want %d", len(recovery), auth.RecoveryCodeCount)
	}
	e.clock.Advance(30 * time.Second) // the confirming code's step is used up
	return secret, recovery
}

// totp returns the authenticator app's code at the env's clock, computed
// by the library.
func (u *mfaUser) totp(secret string) string {
	u.e.t.Helper()
	c, err := totp.GenerateCode(secret, u.e.clock.Now())
	if err != nil {
		u.e.t.Fatalf("totp.GenerateCode: %v", err)
	}
	return c
}

func (u *mfaUser) status() map[string]any {
	u.e.t.Helper()
	return u.e.want(u.e.do("GET", "/v1/me/second-factor", u.token, ""), 200).json(u.e.t)
}

// refusals returns the reasons of the account's refused attempts, newest first.
func (u *mfaUser) refusals() []string {
	var out []string
	for _, r := range u.status()["refused_attempts"].([]any) {
		m := r.(map[string]any)
		out = append(out, m["method"].(string)+":"+m["reason"].(string))
	}
	return out
}

func wantDetail(t *testing.T, r response, status int, detail string) {
	t.Helper()
	if r.status != status || !strings.Contains(string(r.body), detail) {
		t.Errorf("status %d body %s, want %d with %q", r.status, r.body, status, detail)
	}
}

// TestTOTPSignIn: an account with an authenticator app signs in with the
// password, then a code the library computes at the injected time; a
// replayed code is refused, recorded, and opens no session (SEC-MFA).
func TestTOTPSignIn(t *testing.T) {
	e := newEnvWith(t, envOptions{authClock: true})
	u := newMFAUser(e, "Tess")
	secret, _ := u.enrolTOTP()
	wantDetail(t, e.do("POST", "/v1/me/second-factor/totp", u.token, ""), 409, "set up already")

	step := u.secondStep()
	wantDetail(t, u.code(step, "totp", "123"), 401, "the code is wrong")
	code := u.totp(secret)
	r := e.want(u.code(step, "totp", code), 201).json(t)
	session := r["token"].(string)
	e.want(e.do("GET", "/v1/me", session, ""), 200)

	// The same token again: that sign-in is finished.
	wantDetail(t, u.code(step, "totp", code), 409, "finished already")
	// The same code in the same time step, through a new password step.
	step2 := u.secondStep()
	replay := u.code(step2, "totp", code)
	wantDetail(t, replay, 409, "this code was used already")
	if strings.Contains(string(replay.body), "token") && replay.json(t)["token"] != nil {
		t.Errorf("replayed code opened a session: %s", replay.body)
	}
	if got, want := u.refusals(), []string{"totp:replayed", "totp:replayed"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("refused attempts = %v, want %v", got, want)
	}
	// The next time step's code works on the same step token.
	e.clock.Advance(30 * time.Second)
	e.want(u.code(step2, "totp", u.totp(secret)), 201)

	// The step token expires.
	step3 := u.secondStep()
	e.clock.Advance(auth.SecondStepTTL + time.Second)
	wantDetail(t, u.code(step3, "totp", u.totp(secret)), 401, "unknown or expired")
}

// TestRecoveryCodeSingleUse: a recovery code finishes one sign-in; used
// again it is refused with a precise error and recorded (SEC-MFA).
func TestRecoveryCodeSingleUse(t *testing.T) {
	e := newEnvWith(t, envOptions{authClock: true})
	u := newMFAUser(e, "Rosa")
	_, codes := u.enrolTOTP()
	if left := u.status()["recovery_codes_left"]; left != float64(auth.RecoveryCodeCount) {
		t.Fatalf("recovery_codes_left = %v, want %d", left, auth.RecoveryCodeCount)
	}
	e.want(u.code(u.secondStep(), "recovery", strings.ToUpper(codes[0])), 201)
	wantDetail(t, u.code(u.secondStep(), "recovery", codes[0]), 409, "used already")
	wantDetail(t, u.code(u.secondStep(), "recovery", "aaaaa-bbbbb"), 401, "not one of your recovery codes")
	if left := u.status()["recovery_codes_left"]; left != float64(auth.RecoveryCodeCount-1) {
		t.Errorf("recovery_codes_left = %v, want %d", left, auth.RecoveryCodeCount-1)
	}
	if got := u.refusals(); len(got) != 1 || got[0] != "recovery:used" {
		t.Errorf("refused attempts = %v, want [recovery:used]", got)
	}
	wantDetail(t, u.code(u.secondStep(), "sms", "1"), 400, "passkeys have their own route")

	// New codes take the old ones' place, after the password.
	wantDetail(t, e.do("POST", "/v1/me/second-factor/recovery-codes", u.token, `{"password":"not my password at all"}`), 403, "the password is wrong")
	e.want(u.code(u.secondStep(), "recovery", codes[1]), 201) // the old codes still work until then
	next := e.want(e.do("POST", "/v1/me/second-factor/recovery-codes", u.token, fmt.Sprintf(`{"password":%q}`, testPassword)), 200).json(t)["recovery_codes"].([]any)
	if len(next) != auth.RecoveryCodeCount {
		t.Fatalf("%d new recovery codes, want %d", len(next), auth.RecoveryCodeCount)
	}
	wantDetail(t, u.code(u.secondStep(), "recovery", codes[2]), 401, "not one of your recovery codes")
	e.want(u.code(u.secondStep(), "recovery", next[0].(string)), 201)
}

// TestSecondFactorThrottled: wrong codes for one account are throttled
// across second-step tokens, even a right code then waits, and another
// account is still served (SEC-BRUTE, SEC-MFA).
func TestSecondFactorThrottled(t *testing.T) {
	e := newEnvWith(t, envOptions{authClock: true})
	u := newMFAUser(e, "Bruno")
	secret, _ := u.enrolTOTP()
	other := newMFAUser(e, "Olga")
	otherSecret, _ := other.enrolTOTP()

	for i := 0; i < auth.SignInPerAccount; i++ {
		step := u.secondStep()
		e.want(u.code(step, "totp", "000000"), 401)
	}
	r := u.code(u.secondStep(), "totp", u.totp(secret))
	wantDetail(t, r, 429, "too many failed sign-ins")
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After on a throttled second factor")
	}
	e.want(other.code(other.secondStep(), "totp", other.totp(otherSecret)), 201)

	// One token takes at most SecondStepAttempts wrong codes.
	e.clock.Advance(auth.SignInWindow)
	v := newMFAUser(e, "Vera")
	vs, _ := v.enrolTOTP()
	step := v.secondStep()
	for i := 0; i < auth.SecondStepAttempts; i++ {
		e.want(v.code(step, "totp", "000000"), 401)
	}
	wantDetail(t, v.code(step, "totp", v.totp(vs)), 401, "unknown or expired")
}

// TestDisableSecondFactorsNeedsPassword: turning second factors off takes
// the password again; then the password alone signs in (SEC-MFA).
func TestDisableSecondFactorsNeedsPassword(t *testing.T) {
	e := newEnvWith(t, envOptions{authClock: true})
	u := newMFAUser(e, "Dora")
	u.enrolTOTP()
	wantDetail(t, e.do("POST", "/v1/me/second-factor/disable", u.token, `{"password":"not my password at all"}`), 403, "the password is wrong")
	if u.status()["totp"] != true {
		t.Fatal("a wrong password turned the authenticator app off")
	}
	e.want(e.do("POST", "/v1/me/second-factor/disable", u.token, fmt.Sprintf(`{"password":%q}`, testPassword)), 204)
	if st := u.status(); st["totp"] != false || st["recovery_codes_left"] != float64(0) {
		t.Errorf("after disable: %v, want no authenticator app and no recovery codes", st)
	}
	e.want(u.signIn(), 201)
}

// TestOperatorMiddleware: operator routes need an operator account with a
// second factor and a session opened with it; each refusal says why
// (SEC-MFA).
func TestOperatorMiddleware(t *testing.T) {
	e := newEnvWith(t, envOptions{authClock: true})
	u := newMFAUser(e, "Opal")
	plain := newMFAUser(e, "Paul")
	me := func(token string) response { return e.do("GET", "/v1/operator/me", token, "") }

	e.want(me(""), 401)
	wantDetail(t, me(plain.token), 403, "this route is for operator accounts")
	accountID := e.want(e.do("GET", "/v1/me", u.token, ""), 200).json(t)["account_id"].(string)
	if err := e.db.SetOperator(t.Context(), accountID, true); err != nil {
		t.Fatal(err)
	}
	wantDetail(t, me(u.token), 403, "operator accounts must use a second factor")
	secret, _ := u.enrolTOTP()
	wantDetail(t, me(u.token), 403, "opened with a password alone")

	session := e.want(u.code(u.secondStep(), "totp", u.totp(secret)), 201).json(t)["token"].(string)
	r := e.want(me(session), 200).json(t)
	if r["session_factor"] != "totp" || r["operator"] != true {
		t.Errorf("GET /v1/operator/me = %v, want an operator with a totp session", r)
	}
	if err := e.db.SetOperator(t.Context(), accountID, false); err != nil {
		t.Fatal(err)
	}
	wantDetail(t, me(session), 403, "this route is for operator accounts")
}

// options decodes the "publicKey" options of a ceremony.
func options(t *testing.T, r response) (challenge, rpID string) {
	t.Helper()
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			RPID      string `json:"rpId"`
			RP        struct {
				ID string `json:"id"`
			} `json:"rp"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(r.body, &o); err != nil {
		t.Fatalf("options %s: %v", r.body, err)
	}
	rpID = o.PublicKey.RPID
	if rpID == "" {
		rpID = o.PublicKey.RP.ID
	}
	return o.PublicKey.Challenge, rpID
}

// TestPasskeyRegistrationAndSignIn: a software authenticator registers a
// passkey with real attestation "none" and signs in with real ES256
// assertions over the HTTP API; a replayed assertion, a reused challenge
// and a signature counter that does not advance are refused and recorded
// (SEC-MFA).
func TestPasskeyRegistrationAndSignIn(t *testing.T) {
	const origin = "https://hearth.example"
	wa, err := auth.NewWebAuthn(origin, "Hearth")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, envOptions{authClock: true, webauthn: wa})
	u := newMFAUser(e, "Pia")
	a := passkeytest.New(t, origin)

	wantDetail(t, e.do("POST", "/v1/me/passkeys", u.token, `{"credential":{}}`), 409, "no passkey registration is open")
	challenge, rpID := options(t, e.want(e.do("POST", "/v1/me/passkeys/options", u.token, ""), 200))
	if rpID != "hearth.example" {
		t.Errorf("rp id = %q, want hearth.example", rpID)
	}
	wrong := passkeytest.New(t, "https://evil.example")
	wantDetail(t, e.do("POST", "/v1/me/passkeys", u.token, `{"credential":`+wrong.Create(challenge, rpID)+`}`), 400, "refused")
	// The challenge was used by the refused answer.
	wantDetail(t, e.do("POST", "/v1/me/passkeys", u.token, `{"credential":`+a.Create(challenge, rpID)+`}`), 409, "no passkey registration is open")
	challenge, rpID = options(t, e.want(e.do("POST", "/v1/me/passkeys/options", u.token, ""), 200))
	e.want(e.do("POST", "/v1/me/passkeys", u.token, `{"credential":`+a.Create(challenge, rpID)+`}`), 201)
	if n := u.status()["passkeys"]; n != float64(1) {
		t.Fatalf("passkeys = %v, want 1", n)
	}

	step := u.secondStep()
	opts := func(step string) string {
		c, _ := options(t, e.want(e.do("POST", "/v1/sessions/second-factor/passkey/options", "", fmt.Sprintf(`{"second_step_token":%q}`, step)), 200))
		return c
	}
	finish := func(step, cred string) response {
		return e.do("POST", "/v1/sessions/second-factor/passkey", "", fmt.Sprintf(`{"second_step_token":%q,"credential":%s}`, step, cred))
	}
	assertion := a.Get(opts(step), rpID, 1)
	session := e.want(finish(step, assertion), 201).json(t)["token"].(string)
	if r := e.want(e.do("GET", "/v1/me", session, ""), 200).json(t); r["account_id"] == nil {
		t.Errorf("GET /v1/me with the passkey session = %v", r)
	}
	// The same assertion replayed on the finished step.
	wantDetail(t, finish(step, assertion), 409, "finished already")
	// A new step: the assertion without asking for a challenge.
	step = u.secondStep()
	wantDetail(t, finish(step, assertion), 409, "no passkey challenge is open")
	// An assertion whose counter did not advance.
	wantDetail(t, finish(step, a.Get(opts(step), rpID, 0)), 409, "signature counter did not advance")
	// An assertion signed for the old challenge.
	opts(step)
	wantDetail(t, finish(step, assertion), 401, "refused")
	// An assertion signed by another key for the same credential ID.
	forger := passkeytest.New(t, origin)
	forger.CredentialID, forger.Count = a.CredentialID, 100
	wantDetail(t, finish(step, forger.Get(opts(step), rpID, 1)), 401, "signature")
	want := []string{"passkey:sign-count", "passkey:challenge-reused", "passkey:replayed"}
	if got := u.refusals(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("refused attempts = %v, want %v", got, want)
	}
	// Five refused attempts: the account's second factor waits (SEC-BRUTE).
	wantDetail(t, e.do("POST", "/v1/sessions/second-factor/passkey/options", "", fmt.Sprintf(`{"second_step_token":%q}`, step)), 429, "too many")
	e.clock.Advance(auth.SignInWindow)
	step = u.secondStep()
	e.want(finish(step, a.Get(opts(step), rpID, 1)), 201)

	// A passkey-only account gets recovery codes on request, and signs in with one.
	r := e.want(u.signIn(), 202).json(t)
	if fmt.Sprint(r["methods"]) != "[passkey]" {
		t.Errorf("methods = %v, want [passkey]", r["methods"])
	}
	codes := e.want(e.do("POST", "/v1/me/second-factor/recovery-codes", u.token, fmt.Sprintf(`{"password":%q}`, testPassword)), 200).json(t)["recovery_codes"].([]any)
	if r := e.want(u.signIn(), 202).json(t); fmt.Sprint(r["methods"]) != "[passkey recovery]" {
		t.Errorf("methods = %v, want [passkey recovery]", r["methods"])
	}
	e.want(u.code(u.secondStep(), "recovery", codes[0].(string)), 201)
}

// TestSecondStepFlood: a flood of made-up second-step tokens on the
// routes reachable before a session is refused with 401 each, keeps no
// state, and a good client still signs in (SEC-BRUTE).
func TestSecondStepFlood(t *testing.T) {
	wa, err := auth.NewWebAuthn("https://hearth.example", "Hearth")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, envOptions{authClock: true, webauthn: wa})
	u := newMFAUser(e, "Gina")
	secret, _ := u.enrolTOTP()
	for i := range 300 {
		tok := fmt.Sprintf("made-up-%d", i)
		for _, r := range []response{
			u.code(tok, "totp", "123456"),
			e.do("POST", "/v1/sessions/second-factor/passkey/options", "", fmt.Sprintf(`{"second_step_token":%q}`, tok)),
			e.do("POST", "/v1/sessions/second-factor/passkey", "", fmt.Sprintf(`{"second_step_token":%q,"credential":{}}`, tok)),
		} {
			if r.status != 401 || !strings.Contains(string(r.body), "unknown or expired") {
				t.Fatalf("made-up token: status %d %s, want 401", r.status, r.body)
			}
		}
	}
	e.want(u.code(u.secondStep(), "totp", u.totp(secret)), 201)
}
