package http

import (
	"context"
	"html/template"
	"net/http"
	"strings"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/erasure"
	"github.com/hearth-iot/hearth/http/web"
	"github.com/hearth-iot/hearth/notify"
)

// accountPages registers the account pages: the account itself, its
// password and sessions, second factors, closing it, notifications and
// the acceptance of new terms.
func (s *server) accountPages(handle func(pattern string, h http.Handler)) {
	handle("GET /account", s.page("account", s.pageAccount()))
	handle("POST /account/password", s.page("account", s.pageChangePasswordPost()))
	handle("POST /account/signout-everywhere", s.page("account", s.pageSignOutEverywherePost()))
	handle("POST /account/totp", s.page("account", s.pageEnrolTOTPPost()))
	handle("POST /account/totp/confirm", s.page("account", s.pageConfirmTOTPPost()))
	handle("POST /account/recovery-codes", s.page("account", s.pageRecoveryCodesPost()))
	handle("POST /account/second-factor/off", s.page("account", s.pageSecondFactorOffPost()))
	handle("GET /account/close", s.page("account", s.pageCloseAccount()))
	handle("POST /account/close", s.page("account", s.pageCloseAccountPost()))
	s.notificationPages(handle)
}

// accountPage is the content of the account page.
type accountPage struct {
	Factors *auth.SecondFactorStatus
	HasAny  bool                // an authenticator app or a passkey is set up
	Terms   *notify.TermsStatus // nil when the product declares no terms
}

// accountData gathers what the account page shows: the second factors
// (as GET /v1/me/second-factor) and the terms (as GET /v1/me/terms).
func (s *server) accountData(ctx context.Context) (accountPage, error) {
	acct := accountFrom(ctx)
	st, err := s.Auth.SecondFactors(ctx, acct.ID)
	if err != nil {
		return accountPage{}, err
	}
	d := accountPage{Factors: st, HasAny: st.TOTP || st.Passkeys > 0}
	if s.Notify != nil {
		ts, err := s.Notify.TermsStatus(ctx, acct.PersonID)
		switch {
		case err == nil:
			d.Terms = &ts
		case hearth.ErrorCode(err) != hearth.ENOTFOUND:
			return accountPage{}, err
		}
	}
	return d, nil
}

// pageAccount shows the signed-in person's account: password, sessions,
// second factors, terms, and the way to close it.
func (s *server) pageAccount() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		return s.renderAccount(w, r, p, http.StatusOK)
	}
}

// renderAccount renders the account page with status.
func (s *server) renderAccount(w http.ResponseWriter, r *http.Request, p *web.Page, status int) error {
	d, err := s.accountData(r.Context())
	if err != nil {
		return err
	}
	p.Title = "Account"
	p.Data = d
	return s.render(w, r, status, "account", p)
}

// accountFailed shows the account page again after one of its forms
// failed with err: a service error about field "password" is shown beside
// the form's own password input, field; a wrong password re-entered
// (EFORBIDDEN, as the API answers 403) beside it too.
func (s *server) accountFailed(w http.ResponseWriter, r *http.Request, p *web.Page, field string, err error) error {
	d, derr := s.accountData(r.Context())
	if derr != nil {
		return derr
	}
	p.Title, p.Data = "Account", d
	return s.reenterFailed(w, r, p, "account", field, err)
}

// reenterFailed shows page name again after a form that re-enters the
// password failed with err, through formFailed (a wrong password,
// EFORBIDDEN with a field, keeps the API's 403). The services name the
// password "password"; the form calls its input field.
func (s *server) reenterFailed(w http.ResponseWriter, r *http.Request, p *web.Page, name, field string, err error) error {
	if hearth.ErrorField(err) == "password" && field != "password" {
		err = renameField(err, field)
	}
	return s.formFailed(w, r, p, name, err)
}

// markEmpty marks each of fields that is empty in the posted form with
// "Fill this in." and reports whether any was.
func markEmpty(p *web.Page, r *http.Request, fields ...string) bool {
	empty := false
	for _, f := range fields {
		if strings.TrimSpace(r.PostForm.Get(f)) == "" {
			p.SetError(f, "Fill this in.")
			empty = true
		}
	}
	return empty
}

// pageChangePasswordPost changes the password as POST /v1/me/password
// does: every other session ends, this one stays.
func (s *server) pageChangePasswordPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if markEmpty(p, r, "current_password", "new_password") {
			return s.renderAccount(w, r, p, http.StatusBadRequest)
		}
		token, _ := sessionToken(r)
		err := s.Auth.ChangePassword(r.Context(), token, r.PostForm.Get("current_password"), r.PostForm.Get("new_password"))
		if err != nil {
			if hearth.ErrorField(err) == "password" {
				err = renameField(err, "new_password")
			}
			return s.accountFailed(w, r, p, "current_password", err)
		}
		s.redirect(w, r, "/account", "Your password is changed. You are still signed in here; every other session has ended.")
		return nil
	}
}

// pageSignOutEverywherePost ends every session of the account, this one
// too, as DELETE /v1/sessions does.
func (s *server) pageSignOutEverywherePost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		token, _ := sessionToken(r)
		if _, err := s.Auth.SignOutEverywhere(r.Context(), token); err != nil {
			return err
		}
		s.clearSessionCookie(w, r)
		s.redirect(w, r, "/signin", "You are signed out everywhere: every session of your account has ended, this one too.")
		return nil
	}
}

// totpPage is the content of the page that sets up an authenticator app.
type totpPage struct {
	Secret string        // "" after a wrong first code: the secret is shown once
	QR     template.HTML // the otpauth URI as a QR code
}

// pageEnrolTOTPPost creates a new authenticator-app secret, as POST
// /v1/me/second-factor/totp does, and shows it once: as a QR code of its
// otpauth URI and as text, with the form for the app's first code.
func (s *server) pageEnrolTOTPPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		e, err := s.Auth.EnrolTOTP(r.Context(), accountFrom(r.Context()).ID)
		if hearth.ErrorCode(err) == hearth.ECONFLICT {
			s.redirect(w, r, "/account", sentence(hearth.ErrorMessage(err)))
			return nil
		}
		if err != nil {
			return err
		}
		qr, err := web.QRSVG(e.URI, "QR code to add Hearth to your authenticator app")
		if err != nil {
			return err
		}
		p.Title = "Set up an authenticator app"
		p.Data = totpPage{Secret: e.Secret, QR: qr}
		return s.render(w, r, http.StatusOK, "account_totp", p)
	}
}

// codesPage is the content of the page that shows new recovery codes
// once.
type codesPage struct {
	Codes []string
	After string // what was just done, in a sentence
}

// pageConfirmTOTPPost turns the authenticator app on with its first code,
// as POST /v1/me/second-factor/totp/confirm does, and shows the recovery
// codes once.
func (s *server) pageConfirmTOTPPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		p.Title = "Set up an authenticator app"
		p.Data = totpPage{}
		if markEmpty(p, r, "code") {
			return s.render(w, r, http.StatusBadRequest, "account_totp", p)
		}
		codes, err := s.Auth.ConfirmTOTP(r.Context(), accountFrom(r.Context()).ID, r.PostForm.Get("code"))
		if hearth.ErrorCode(err) == hearth.ENOTFOUND {
			// A second submit of the same form, or a set-up started elsewhere.
			s.redirect(w, r, "/account", sentence(hearth.ErrorMessage(err)))
			return nil
		}
		if err != nil {
			return s.formFailed(w, r, p, "account_totp", err)
		}
		return s.showCodes(w, r, p, codes, "Your authenticator app is set up: from now on, signing in asks for its code after your password.")
	}
}

// showCodes renders the recovery codes, shown this once.
func (s *server) showCodes(w http.ResponseWriter, r *http.Request, p *web.Page, codes []string, after string) error {
	p.Title = "Your recovery codes"
	p.Data = codesPage{Codes: codes, After: after}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, http.StatusOK, "account_codes", p)
}

// pageRecoveryCodesPost replaces the recovery codes after the password is
// entered again, as POST /v1/me/second-factor/recovery-codes does.
func (s *server) pageRecoveryCodesPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if markEmpty(p, r, "recovery_password") {
			return s.renderAccount(w, r, p, http.StatusBadRequest)
		}
		codes, err := s.Auth.NewRecoveryCodes(r.Context(), accountFrom(r.Context()).ID, r.PostForm.Get("recovery_password"))
		if err != nil {
			return s.accountFailed(w, r, p, "recovery_password", err)
		}
		return s.showCodes(w, r, p, codes, "Your new recovery codes replace the old ones, which no longer work.")
	}
}

// pageSecondFactorOffPost removes every second factor after the password
// is entered again, as POST /v1/me/second-factor/disable does.
func (s *server) pageSecondFactorOffPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if markEmpty(p, r, "off_password") {
			return s.renderAccount(w, r, p, http.StatusBadRequest)
		}
		if err := s.Auth.DisableSecondFactors(r.Context(), accountFrom(r.Context()).ID, r.PostForm.Get("off_password")); err != nil {
			return s.accountFailed(w, r, p, "off_password", err)
		}
		s.redirect(w, r, "/account", "Your second factors are off: your authenticator app, passkeys and recovery codes no longer work, and signing in asks only for your password.")
		return nil
	}
}

// closePage is the content of the page that closes the account: the
// erasure's own plain explanation, from the same preview as POST
// /v1/me/erasure/preview with everything.
type closePage struct {
	Preview erasure.Preview
}

// pageCloseAccount explains what closing the account does, then asks for
// the password.
func (s *server) pageCloseAccount() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		return s.renderClose(w, r, p, http.StatusOK, nil)
	}
}

// renderClose renders the close-account page with status; failed is the
// error of a closure that was refused, or nil.
func (s *server) renderClose(w http.ResponseWriter, r *http.Request, p *web.Page, status int, failed error) error {
	if s.Erasure == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "closing an account is not served here")
	}
	me := caller(r)
	pv, err := s.Erasure.Preview(r.Context(), me, "", me, erasure.Scope{Everything: true})
	if err != nil {
		return err
	}
	p.Title = "Close your account"
	p.Data = closePage{Preview: pv}
	if failed != nil {
		return s.reenterFailed(w, r, p, "account_close", "password", failed)
	}
	return s.render(w, r, status, "account_close", p)
}

// pageCloseAccountPost closes the account after the password is entered
// again, as POST /v1/me/close does: everything about the person is erased
// and every session ends.
func (s *server) pageCloseAccountPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if markEmpty(p, r, "password") {
			return s.renderClose(w, r, p, http.StatusBadRequest, nil)
		}
		if s.Erasure == nil {
			return hearth.Errorf(hearth.ENOTFOUND, "closing an account is not served here")
		}
		if _, err := s.Erasure.CloseAccount(r.Context(), accountFrom(r.Context()), r.PostForm.Get("password")); err != nil {
			return s.renderClose(w, r, p, 0, err)
		}
		s.clearSessionCookie(w, r)
		s.redirect(w, r, "/", "Your account is closed and your data is erased, as the page explained. Thank you for using Hearth.")
		return nil
	}
}
