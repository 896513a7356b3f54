package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
)

// secondStepJSON is the 202 answer to a right password for an account with
// a second factor.
type secondStepJSON struct {
	SecondFactorRequired bool      `json:"second_factor_required"`
	SecondStepToken      string    `json:"second_step_token"`
	Expires              time.Time `json:"expires"`
	Methods              []string  `json:"methods"`
}

// wroteSecondStep answers 202 with the second-step token if err says the
// password was right and a second factor must follow; it reports whether
// it wrote.
func wroteSecondStep(w http.ResponseWriter, err error) bool {
	var sf *auth.SecondFactorRequired
	if !errors.As(err, &sf) {
		return false
	}
	encode(w, http.StatusAccepted, secondStepJSON{SecondFactorRequired: true, SecondStepToken: sf.Token,
		Expires: sf.Expires, Methods: sf.Methods})
	return true
}

// secondFactorRequest is the body of POST /v1/sessions/second-factor.
type secondFactorRequest struct {
	SecondStepToken string `json:"second_step_token"`
	Method          string `json:"method"`
	Code            string `json:"code"`
}

// Valid implements Validator.
func (r secondFactorRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "second_step_token", r.SecondStepToken)
	required(p, "method", r.Method)
	required(p, "code", r.Code)
	return p
}

// handleSecondFactor finishes a sign-in with a TOTP or recovery code.
func (s *server) handleSecondFactor() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[secondFactorRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		token, sess, err := s.Auth.CompleteSignIn(r.Context(), req.SecondStepToken, req.Method, req.Code, s.clientAddr(r))
		s.writeSession(w, r, token, sess, err)
	})
}

// writeSession answers a finished sign-in as handleSignIn does.
func (s *server) writeSession(w http.ResponseWriter, r *http.Request, token string, sess *hearth.Session, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setSessionCookie(w, r, token, sess.Expires)
	encode(w, http.StatusCreated, sessionJSON{Token: token, Expires: sess.Expires})
}

// stepRequest is the body of POST /v1/sessions/second-factor/passkey/options.
type stepRequest struct {
	SecondStepToken string `json:"second_step_token"`
}

// Valid implements Validator.
func (r stepRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "second_step_token", r.SecondStepToken)
	return p
}

// handlePasskeyOptions opens a passkey challenge for a second step.
func (s *server) handlePasskeyOptions() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[stepRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		opts, err := s.Auth.BeginPasskeySignIn(r.Context(), req.SecondStepToken, s.clientAddr(r))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, opts)
	})
}

// passkeyAssertionRequest is the body of POST
// /v1/sessions/second-factor/passkey: the step and the PublicKeyCredential.
type passkeyAssertionRequest struct {
	SecondStepToken string          `json:"second_step_token"`
	Credential      json.RawMessage `json:"credential"`
}

// Valid implements Validator.
func (r passkeyAssertionRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "second_step_token", r.SecondStepToken)
	if len(r.Credential) == 0 {
		p["credential"] = "required"
	}
	return p
}

// handlePasskeySignIn finishes a sign-in with a passkey assertion.
func (s *server) handlePasskeySignIn() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[passkeyAssertionRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		token, sess, err := s.Auth.FinishPasskeySignIn(r.Context(), req.SecondStepToken, bytes.NewReader(req.Credential), s.clientAddr(r))
		s.writeSession(w, r, token, sess, err)
	})
}

type secondFactorsJSON struct {
	TOTP              bool          `json:"totp"`
	Passkeys          int           `json:"passkeys"`
	RecoveryCodesLeft int           `json:"recovery_codes_left"`
	Refusals          []refusalJSON `json:"refused_attempts"`
}

type refusalJSON struct {
	Method string    `json:"method"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// handleSecondFactors answers GET /v1/me/second-factor.
func (s *server) handleSecondFactors() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, err := s.Auth.SecondFactors(r.Context(), accountFrom(r.Context()).ID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out := secondFactorsJSON{TOTP: st.TOTP, Passkeys: st.Passkeys, RecoveryCodesLeft: st.RecoveryCodesLeft, Refusals: []refusalJSON{}}
		for _, f := range st.Refusals {
			out.Refusals = append(out.Refusals, refusalJSON{Method: f.Method, Reason: f.Reason, At: f.At})
		}
		encode(w, http.StatusOK, out)
	})
}

type totpEnrolmentJSON struct {
	Secret string `json:"secret"`
	URI    string `json:"otpauth_uri"`
}

// handleEnrolTOTP answers POST /v1/me/second-factor/totp: a new secret,
// shown once.
func (s *server) handleEnrolTOTP() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, err := s.Auth.EnrolTOTP(r.Context(), accountFrom(r.Context()).ID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusCreated, totpEnrolmentJSON{Secret: e.Secret, URI: e.URI})
	})
}

// codeRequest is the body of POST /v1/me/second-factor/totp/confirm.
type codeRequest struct {
	Code string `json:"code"`
}

// Valid implements Validator.
func (r codeRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "code", r.Code)
	return p
}

// handleConfirmTOTP turns the authenticator app on with its first code and
// answers with the recovery codes, shown once.
func (s *server) handleConfirmTOTP() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[codeRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		codes, err := s.Auth.ConfirmTOTP(r.Context(), accountFrom(r.Context()).ID, req.Code)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, map[string][]string{"recovery_codes": codes})
	})
}

// handlePasskeyRegistrationOptions opens a passkey registration.
func (s *server) handlePasskeyRegistrationOptions() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		opts, err := s.Auth.BeginPasskeyRegistration(r.Context(), accountFrom(r.Context()).ID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, opts)
	})
}

// credentialRequest is the body of POST /v1/me/passkeys: the
// PublicKeyCredential's JSON.
type credentialRequest struct {
	Credential json.RawMessage `json:"credential"`
}

// Valid implements Validator.
func (r credentialRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if len(r.Credential) == 0 {
		p["credential"] = "required"
	}
	return p
}

// handleRegisterPasskey finishes a passkey registration.
func (s *server) handleRegisterPasskey() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[credentialRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := s.Auth.FinishPasskeyRegistration(r.Context(), accountFrom(r.Context()).ID, bytes.NewReader(req.Credential)); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
}

// reenterRequest is the body of a change made after the password is
// entered again: POST /v1/me/second-factor/disable and
// /v1/me/second-factor/recovery-codes.
type reenterRequest struct {
	Password string `json:"password"`
}

// Valid implements Validator.
func (r reenterRequest) Valid(context.Context) map[string]string { return passwordProblem(r.Password) }

// handleDisableSecondFactors removes every second factor after the
// password is entered again.
func (s *server) handleDisableSecondFactors() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[reenterRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := s.Auth.DisableSecondFactors(r.Context(), accountFrom(r.Context()).ID, req.Password); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// handleNewRecoveryCodes replaces the recovery codes after the password is
// entered again, and answers with the new ones, shown once.
func (s *server) handleNewRecoveryCodes() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[reenterRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		codes, err := s.Auth.NewRecoveryCodes(r.Context(), accountFrom(r.Context()).ID, req.Password)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, map[string][]string{"recovery_codes": codes})
	})
}
