package http

import (
	"errors"
	"net/http"
	"strings"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/http/web"
)

// signInPages registers home, sign-up, sign-in (with its second step) and
// sign-out.
func (s *server) signInPages(handle func(pattern string, h http.Handler)) {
	handle("GET /{$}", s.publicPage("home", s.pageHome()))
	handle("GET /signup", s.publicPage("signup", s.pageSignUp()))
	handle("POST /signup", s.publicPage("signup", s.pageSignUpPost()))
	handle("GET /signin", s.publicPage("signin", s.pageSignIn()))
	handle("POST /signin", s.publicPage("signin", s.pageSignInPost()))
	handle("POST /signin/second-factor", s.publicPage("signin", s.pageSecondFactorPost()))
	handle("POST /signout", s.page("home", s.pageSignOutPost()))
}

// homePage is the content of the home page of a signed-in person.
type homePage struct {
	PersonID string
}

// pageHome shows a signed-in person their households and where to go for
// each part of their data; anyone else the sign-in form.
func (s *server) pageHome() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if p.Account == nil {
			p.Section = "signin"
			return s.render(w, r, http.StatusOK, "signin", p)
		}
		p.Title = "Home"
		p.Data = homePage{PersonID: p.Account.PersonID}
		return s.render(w, r, http.StatusOK, "home", p)
	}
}

// pageSignUp shows the sign-up form.
func (s *server) pageSignUp() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if p.Account != nil {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return nil
		}
		return s.render(w, r, http.StatusOK, "signup", p)
	}
}

// pageSignUpPost creates the account, answering the same whether the
// address was free or not (SEC-BRUTE, as POST /v1/accounts does), and
// shows the sign-in form.
func (s *server) pageSignUpPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		f := r.PostForm
		missing := map[string]string{}
		required(missing, "display_name", strings.TrimSpace(f.Get("display_name")))
		required(missing, "email", f.Get("email"))
		required(missing, "password", f.Get("password"))
		if len(missing) > 0 {
			p.Form = f
			for k := range missing {
				p.SetError(k, "Fill this in.")
			}
			return s.render(w, r, http.StatusBadRequest, "signup", p)
		}
		if err := s.Auth.Register(r.Context(), f.Get("email"), f.Get("password"), f.Get("display_name"), s.clientAddr(r)); err != nil {
			return s.formFailed(w, r, p, "signup", err)
		}
		s.redirect(w, r, "/signin", sentence(signUpAccepted.Detail))
		return nil
	}
}

// signInPage is the content of the sign-in page.
type signInPage struct {
	Next string
}

// pageSignIn shows the sign-in form; ?next= is where it goes after.
func (s *server) pageSignIn() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		next := localPath(r.URL.Query().Get("next"))
		if p.Account != nil {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return nil
		}
		p.Data = signInPage{Next: next}
		return s.render(w, r, http.StatusOK, "signin", p)
	}
}

// secondStepPage is the content of the second step of a sign-in.
type secondStepPage struct {
	Token   string
	Next    string
	Passkey bool // the account has a passkey: the page offers it (with script)
}

// pageSignInPost checks the password; an account with a second factor
// goes on to the code form.
func (s *server) pageSignInPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		f := r.PostForm
		next := localPath(f.Get("next"))
		p.Data = signInPage{Next: next}
		if f.Get("email") == "" || f.Get("password") == "" {
			p.Form = f
			if f.Get("email") == "" {
				p.SetError("email", "Fill this in.")
			}
			if f.Get("password") == "" {
				p.SetError("password", "Fill this in.")
			}
			return s.render(w, r, http.StatusBadRequest, "signin", p)
		}
		token, sess, err := s.Auth.SignIn(r.Context(), f.Get("email"), f.Get("password"), s.clientAddr(r))
		var sf *auth.SecondFactorRequired
		if errors.As(err, &sf) {
			step := secondStepPage{Token: sf.Token, Next: next}
			for _, m := range sf.Methods {
				step.Passkey = step.Passkey || m == hearth.FactorPasskey
			}
			p.Data = step
			return s.render(w, r, http.StatusOK, "signin_code", p)
		}
		if err != nil {
			return s.formFailed(w, r, p, "signin", err)
		}
		s.setSessionCookie(w, r, token, sess.Expires)
		s.redirect(w, r, next, "")
		return nil
	}
}

// pageSecondFactorPost finishes a sign-in with a code from an
// authenticator app or a recovery code.
func (s *server) pageSecondFactorPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		f := r.PostForm
		next := localPath(f.Get("next"))
		p.Data = secondStepPage{Token: f.Get("second_step_token"), Next: next}
		method := hearth.FactorTOTP
		code := strings.TrimSpace(f.Get("code"))
		if len(code) > 8 { // recovery codes are longer than any TOTP code
			method = hearth.FactorRecovery
		}
		if code == "" {
			p.SetError("code", "Fill this in.")
			return s.render(w, r, http.StatusBadRequest, "signin_code", p)
		}
		token, sess, err := s.Auth.CompleteSignIn(r.Context(), f.Get("second_step_token"), method, code, s.clientAddr(r))
		if err != nil {
			if hearth.ErrorCode(err) == hearth.EUNAUTHORIZED || hearth.ErrorCode(err) == hearth.EINVALID {
				err = &hearth.Error{Code: hearth.EINVALID, Field: "code", Message: hearth.ErrorMessage(err), Err: err}
			}
			return s.formFailed(w, r, p, "signin_code", err)
		}
		s.setSessionCookie(w, r, token, sess.Expires)
		s.redirect(w, r, next, "")
		return nil
	}
}

// pageSignOutPost ends this session.
func (s *server) pageSignOutPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		c, _ := r.Cookie(SessionCookie)
		if err := s.Auth.SignOut(r.Context(), c.Value); err != nil {
			return err
		}
		s.clearSessionCookie(w, r)
		s.redirect(w, r, "/signin", "You are signed out.")
		return nil
	}
}
