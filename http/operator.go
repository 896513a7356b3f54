package http

import (
	"context"
	"net/http"
	"time"

	"github.com/hearth-iot/hearth"
)

// Messages of the operator check (SEC-MFA).
const (
	msgNotOperator          = "this route is for operator accounts: an operator grants the role with `hearth operators grant`"
	msgOperatorNoFactor     = "operator accounts must use a second factor: enrol an authenticator app (POST /v1/me/second-factor/totp) or a passkey (POST /v1/me/passkeys/options), then sign in again with it"
	msgOperatorPasswordOnly = "this session was opened with a password alone: operator routes need a session opened with your second factor; sign out and sign in again"
)

// operator lets through only operator accounts whose session was opened
// with a second factor: 401 without a session, 403 for an account that is
// not an operator, and 403 with a message saying what to do for an
// operator without a second factor enrolled or whose session was opened
// with the password alone (SEC-MFA). Like authed, it puts the account and
// session in the request context.
func (s *server) operator(h http.Handler) http.Handler {
	return s.authed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.checkOperator(r.Context()); err != nil {
			s.writeError(w, r, err)
			return
		}
		h.ServeHTTP(w, r)
	}))
}

// checkOperator returns EFORBIDDEN unless the signed-in account may use
// operator routes.
func (s *server) checkOperator(ctx context.Context) error {
	acct, sess := accountFrom(ctx), sessionFrom(ctx)
	if clientFrom(ctx) != "" || sess == nil || !acct.Operator { // never a third-party client (it has no session)
		return hearth.Errorf(hearth.EFORBIDDEN, msgNotOperator)
	}
	has, err := s.Auth.HasSecondFactor(ctx, acct.ID)
	if err != nil {
		return err
	}
	if !has {
		return hearth.Errorf(hearth.EFORBIDDEN, msgOperatorNoFactor)
	}
	if sess.Factor == "" {
		return hearth.Errorf(hearth.EFORBIDDEN, msgOperatorPasswordOnly)
	}
	return nil
}

type operatorJSON struct {
	AccountID string    `json:"account_id"`
	Operator  bool      `json:"operator"`
	Factor    string    `json:"session_factor"`
	Expires   time.Time `json:"session_expires"`
}

// handleOperatorMe answers GET /v1/operator/me: the operator's account and
// the second factor their session was opened with, so operator tools can
// check a session before they act.
func (s *server) handleOperatorMe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		acct, sess := accountFrom(r.Context()), sessionFrom(r.Context())
		encode(w, http.StatusOK, operatorJSON{AccountID: acct.ID, Operator: acct.Operator, Factor: sess.Factor, Expires: sess.Expires})
	})
}
