package http

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/oauth"
)

// SessionCookie is the name of the session cookie set at sign-in.
const SessionCookie = "hearth_session"

type accountKey struct{}

type sessionKey struct{}

// accountFrom returns the signed-in account that authed stored.
func accountFrom(ctx context.Context) *hearth.Account {
	a, _ := ctx.Value(accountKey{}).(*hearth.Account)
	return a
}

// sessionFrom returns the session that authed stored.
func sessionFrom(ctx context.Context) *hearth.Session {
	sess, _ := ctx.Value(sessionKey{}).(*hearth.Session)
	return sess
}

// bearer returns the token of an "Authorization: Bearer" header, or "".
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// sessionToken returns the request's session token, from the Authorization
// header or else the session cookie, and whether it came from the cookie.
func sessionToken(r *http.Request) (token string, fromCookie bool) {
	if t := bearer(r); t != "" {
		return t, false
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return c.Value, true
	}
	return "", false
}

// authed lets only signed-in callers through (401 otherwise), with their
// account and session in the request context. A state-changing request authenticated by
// the cookie must come from the same origin (Sec-Fetch-Site or Origin):
// browsers attach cookies to cross-site requests, bearer tokens they do not.
// A bearer token that is an OAuth access token is a third-party client's:
// authedClient lets it through only within its grant.
func (s *server) authed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, fromCookie := sessionToken(r)
		if !fromCookie && oauth.IsAccessToken(token) {
			s.authedClient(w, r, h, token)
			return
		}
		if fromCookie {
			if err := s.csrf.Check(r); err != nil {
				s.writeError(w, r, &hearth.Error{Code: hearth.EFORBIDDEN, Message: "cross-site request refused: use the API with a bearer token, or the web pages", Err: err})
				return
			}
		}
		acct, sess, err := s.Auth.AuthenticateSession(r.Context(), token)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		ctx := context.WithValue(context.WithValue(r.Context(), accountKey{}, acct), sessionKey{}, sess)
		noteAccount(ctx, acct) // for the audit entry (audited)
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// setSessionCookie sets the session cookie: HttpOnly, SameSite=Lax, Secure
// when configured or when the request came over TLS (see overTLS), expiring
// with the session.
func (s *server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode})
}

func (s *server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode})
}
