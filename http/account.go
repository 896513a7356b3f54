package http

import (
	"context"
	"net/http"
	"time"

	"github.com/hearth-iot/hearth"
)

// signUpRequest is the body of POST /v1/accounts. The auth service checks
// the e-mail address, password and name; Valid only checks presence.
type signUpRequest struct {
	Email       string `json:"email"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name"`
}

// Valid implements Validator.
func (r signUpRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "email", r.Email)
	required(p, "password", r.Password)
	required(p, "display_name", r.DisplayName)
	return p
}

// signInRequest is the body of POST /v1/sessions.
type signInRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// Valid implements Validator.
func (r signInRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "email", r.Email)
	required(p, "password", r.Password)
	return p
}

// required records a problem for an empty field.
func required(p map[string]string, field, value string) {
	if value == "" {
		p[field] = "required"
	}
}

type accountJSON struct {
	AccountID   string    `json:"account_id"`
	PersonID    string    `json:"person_id"`
	Email       string    `json:"email"`
	DisplayName string    `json:"display_name,omitempty"` // GET /v1/me only
	Created     time.Time `json:"created"`
}

func accountView(a *hearth.Account) accountJSON {
	return accountJSON{AccountID: a.ID, PersonID: a.PersonID, Email: string(a.Email), Created: a.Created}
}

// signUpJSON is the one answer to an accepted sign-up, the same whether
// the e-mail address was free or had an account already (SEC-BRUTE).
type signUpJSON struct {
	Status string `json:"status"`
	Detail string `json:"detail"`
}

// signUpAccepted is the body of every accepted sign-up.
var signUpAccepted = signUpJSON{Status: "accepted", Detail: "If this e-mail address had no account, it has one now: sign in with it and your password. " +
	"If it had one, nothing was changed and its owner was told in their notifications."}

// handleSignUp answers 202 with the same body whether it created the
// account or one with the address existed, so the answer does not tell
// which addresses have accounts; see auth.Service.Register.
func (s *server) handleSignUp() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[signUpRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := s.Auth.Register(r.Context(), req.Email, req.Password, req.DisplayName, s.clientAddr(r)); err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusAccepted, signUpAccepted)
	})
}

type sessionJSON struct {
	Token   string    `json:"token"`
	Expires time.Time `json:"expires"`
}

// handleSignIn returns a bearer token in the body and sets it as the
// session cookie too, for browsers. For an account with a second factor it
// answers 202 with a second-step token instead (wroteSecondStep).
func (s *server) handleSignIn() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[signInRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		token, sess, err := s.Auth.SignIn(r.Context(), req.Email, req.Password, s.clientAddr(r))
		if wroteSecondStep(w, err) {
			return
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.setSessionCookie(w, r, token, sess.Expires)
		encode(w, http.StatusCreated, sessionJSON{Token: token, Expires: sess.Expires})
	})
}

func (s *server) handleSignOut() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, _ := sessionToken(r)
		if err := s.Auth.SignOut(r.Context(), token); err != nil {
			s.writeError(w, r, err)
			return
		}
		s.clearSessionCookie(w, r)
		w.WriteHeader(http.StatusNoContent)
	})
}

// handleMe shows the caller's account with their display name (the
// name the pages greet them by).
func (s *server) handleMe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := accountView(accountFrom(r.Context()))
		me, err := s.Households.Me(r.Context(), v.PersonID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		v.DisplayName = me.DisplayName
		encode(w, http.StatusOK, v)
	})
}

func (s *server) handleHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.Health(r.Context()); err != nil {
			s.writeError(w, r, &hearth.Error{Code: hearth.EUNAVAILABLE, Message: "not ready", Err: err})
			return
		}
		body := map[string]any{"status": "ok"}
		if s.Chains != nil {
			body["chains"] = s.Chains // a broken chain is reported, not refused (see cmd/hearth verifyChains)
		}
		encode(w, http.StatusOK, body)
	})
}
