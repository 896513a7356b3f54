package http

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/http/web"
)

// The browser side of the server: pages rendered from html/template (package
// web) by handlers that call the same services as the API routes and
// nothing else (INT-SAME-SCOPE). Page routes have no /v1 prefix. They use
// the session cookie only, never a bearer token, and every POST carries a
// CSRF token (csrfField) besides passing the cross-origin check the API's
// cookie callers pass.

const (
	// formCookie holds the CSRF token of a browser that has not signed in
	// (double-submit: the sign-in and sign-up forms post it back).
	formCookie = "hearth_form"
	// flashCookie carries a one-time message to the page a POST redirects to.
	flashCookie = "hearth_flash"
	// maxFormBytes bounds a page form's body; routes that take files set
	// their own bound with pageOptions.
	maxFormBytes = 64 << 10
	// maxFlash bounds a flash message.
	maxFlash = 300
)

// Messages of the page plumbing.
const (
	msgSessionEnded = "Your session has ended. Sign in again; nothing was changed."
	msgBadForm      = "This form had expired or did not come from this site, so nothing was changed. The page has been reloaded: try again."
)

// pageFunc renders a page or carries out a form. p is filled with the
// signed-in account (if any), the CSRF token and the flash message; a
// returned error becomes the error page (s.pageError), or a redirect to
// sign in when it is EUNAUTHORIZED.
type pageFunc func(w http.ResponseWriter, r *http.Request, p *web.Page) error

// pageOptions tunes one page route.
type pageOptions struct {
	public   bool  // reachable without signing in
	maxBytes int64 // the body bound of a POST; maxFormBytes when 0
	// readTimeout, when set, is the time a signed-in browser's POST body
	// may take to arrive (an upload), instead of the server's read timeout.
	readTimeout time.Duration
}

// page serves a page for signed-in people only, under the navigation entry
// section. Without a valid session a GET is redirected to /signin and
// comes back after it; a POST is redirected too, having changed nothing.
func (s *server) page(section string, h pageFunc) http.Handler {
	return s.pageWith(section, pageOptions{}, h)
}

// publicPage serves a page anyone may see; a signed-in caller's account
// is still filled in.
func (s *server) publicPage(section string, h pageFunc) http.Handler {
	return s.pageWith(section, pageOptions{public: true}, h)
}

func (s *server) pageWith(section string, opt pageOptions, h pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := &web.Page{Section: section, Flash: s.takeFlash(w, r)}
		token := ""
		if c, err := r.Cookie(SessionCookie); err == nil {
			token = c.Value
		}
		if token != "" {
			acct, sess, err := s.Auth.AuthenticateSession(r.Context(), token)
			switch {
			case err == nil:
				ctx := context.WithValue(context.WithValue(r.Context(), accountKey{}, acct), sessionKey{}, sess)
				noteAccount(ctx, acct) // for the audit entry (audited)
				r = r.WithContext(ctx)
				p.Account = &web.Account{Email: string(acct.Email), PersonID: acct.PersonID, Operator: acct.Operator}
				p.CSRF = sessionCSRF(token)
			case hearth.ErrorCode(err) == hearth.EUNAUTHORIZED:
				s.clearSessionCookie(w, r)
				if !opt.public {
					s.toSignIn(w, r, msgSessionEnded)
					return
				}
			default:
				s.pageError(w, r, p, err)
				return
			}
		} else if !opt.public {
			s.toSignIn(w, r, "")
			return
		}
		if p.Account == nil {
			p.CSRF = s.formToken(w, r)
		}
		if r.Method == http.MethodPost {
			if opt.readTimeout > 0 && p.Account != nil {
				http.NewResponseController(w).SetReadDeadline(time.Now().Add(opt.readTimeout)) // not every ResponseWriter supports it
			}
			if !s.checkForm(w, r, p, opt.maxBytes) {
				return
			}
		}
		if p.Account != nil {
			if err := s.fillAccount(r.Context(), p); err != nil {
				s.pageError(w, r, p, err)
				return
			}
		}
		if err := h(w, r, p); err != nil {
			if hearth.ErrorCode(err) == hearth.EUNAUTHORIZED && p.Account == nil {
				s.toSignIn(w, r, "")
				return
			}
			s.pageError(w, r, p, err)
		}
	})
}

// fillAccount adds the signed-in person's name and households to p, for
// the layout.
func (s *server) fillAccount(ctx context.Context, p *web.Page) error {
	acct := accountFrom(ctx)
	me, err := s.Households.Me(ctx, acct.PersonID)
	if err != nil {
		return err
	}
	p.Account.Name = me.DisplayName
	hhs, err := s.Households.Households(ctx, acct.PersonID)
	if err != nil {
		return err
	}
	for _, h := range hhs {
		p.Households = append(p.Households, web.NavHousehold{ID: h.ID, Name: h.Name})
	}
	return nil
}

// checkForm bounds and parses a POST's form and checks it came from one of
// our pages: the cross-origin check, then the CSRF token. On failure it
// re-renders nothing: it redirects to the page the form came from (or
// home) with msgBadForm, having changed nothing, and returns false.
func (s *server) checkForm(w http.ResponseWriter, r *http.Request, p *web.Page, maxBytes int64) bool {
	if maxBytes == 0 {
		maxBytes = maxFormBytes
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(maxBytes)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.pageError(w, r, p, hearth.Errorf(hearth.ETOOLARGE, "the form is larger than this page takes (%d KiB)", maxBytes>>10))
			return false
		}
		s.pageError(w, r, p, hearth.Errorf(hearth.EINVALID, "the form could not be read"))
		return false
	}
	if s.csrf.Check(r) != nil || subtle.ConstantTimeCompare([]byte(r.PostForm.Get(web.CSRFField)), []byte(p.CSRF)) != 1 || p.CSRF == "" {
		s.Metrics.Errors.WithLabelValues("csrf").Inc()
		back := "/"
		if ref, err := url.Parse(r.Header.Get("Referer")); err == nil && ref.Path != "" && ref.Host == r.Host {
			back = ref.Path
		}
		s.setFlash(w, r, msgBadForm)
		http.Redirect(w, r, back, http.StatusSeeOther)
		return false
	}
	return true
}

// sessionCSRF is the CSRF token of a signed-in browser: derived from its
// session token, so it needs no storage, is the same on every node, ends
// with the session, and cannot be computed without the cookie.
func sessionCSRF(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("hearth page form v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// formToken returns the CSRF token of a browser that has not signed in,
// from its form cookie, setting a new random one when it has none.
func (s *server) formToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(formCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	b := make([]byte, 32)
	rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: formCookie, Value: v, Path: "/", HttpOnly: true,
		Secure: s.secureCookies(r), SameSite: http.SameSiteStrictMode})
	if r.Method == http.MethodPost {
		return "" // a new cookie cannot match what the form carried
	}
	return v
}

// setFlash sets the one-time message the next page shows.
func (s *server) setFlash(w http.ResponseWriter, r *http.Request, msg string) {
	if len(msg) > maxFlash {
		msg = msg[:maxFlash]
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(msg)), Path: "/",
		HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

// takeFlash returns the flash message, if any, and clears it.
func (s *server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) > maxFlash || !utf8.Valid(b) {
		return ""
	}
	return string(b)
}

// redirect ends a POST: 303 to the page to, which shows flash once.
func (s *server) redirect(w http.ResponseWriter, r *http.Request, to, flash string) {
	if flash != "" {
		s.setFlash(w, r, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// toSignIn redirects to the sign-in page, which returns to this page (for
// a GET) after it.
func (s *server) toSignIn(w http.ResponseWriter, r *http.Request, flash string) {
	to := "/signin"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		to += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	s.redirect(w, r, to, flash)
}

// localPath returns next if it is a path on this site, and "/" otherwise:
// the sign-in page only returns to its own pages.
func localPath(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

// render writes page name with status; a template failure becomes the
// error page.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *web.Page) error {
	if err := s.pages.Render(w, status, name, p); err != nil {
		s.Logger.ErrorContext(r.Context(), "render page", "page", name, "err", err.Error())
		return err
	}
	return nil
}

// formFailed shows page name again after its form failed with err: the
// error beside its field (or above the form), what was typed kept, the
// status of the error. Other errors than the person's input (internal,
// not found, forbidden without a field at fault) show the error page
// instead.
func (s *server) formFailed(w http.ResponseWriter, r *http.Request, p *web.Page, name string, err error) error {
	switch hearth.ErrorCode(err) {
	case hearth.EINVALID, hearth.ECONFLICT, hearth.EGONE, hearth.ETOOMANY, hearth.EREFUSED, hearth.ETOOLARGE, hearth.EUNAUTHORIZED:
	case hearth.EFORBIDDEN:
		if hearth.ErrorField(err) == "" {
			return err // not allowed at all: the error page
		}
		// A field the caller got wrong, such as a password re-entered
		// before a rights request: beside the field, status 403.
	default:
		return err
	}
	if hearth.ErrorCode(err) == hearth.EUNAUTHORIZED && p.Account != nil {
		// A wrong password re-entered on a form, not an ended session.
		err = &hearth.Error{Code: hearth.EINVALID, Field: "password", Message: hearth.ErrorMessage(err), Err: err}
	}
	if after, ok := isRetryAfter(err); ok {
		w.Header().Set("Retry-After", after)
	}
	p.SetError(hearth.ErrorField(err), sentence(hearth.ErrorMessage(err)))
	p.Form = r.PostForm
	s.Metrics.Errors.WithLabelValues(hearth.ErrorCode(err)).Inc()
	return s.render(w, r, statusOf(hearth.ErrorCode(err)), name, p)
}

// errorPage is the content of the error page.
type errorPage struct {
	Title, Message, Back string
}

// pageError renders the error page for err with its status. Internal
// errors are logged and shown only as "internal error".
func (s *server) pageError(w http.ResponseWriter, r *http.Request, p *web.Page, err error) {
	code := hearth.ErrorCode(err)
	status := statusOf(code)
	s.Metrics.Errors.WithLabelValues(code).Inc()
	if status == http.StatusInternalServerError {
		s.Logger.ErrorContext(r.Context(), "internal error", "method", r.Method, "route", r.Pattern, "err", err.Error())
	}
	if after, ok := isRetryAfter(err); ok {
		w.Header().Set("Retry-After", after)
	}
	title := http.StatusText(status)
	switch code {
	case hearth.ENOTFOUND:
		title = "Not found"
	case hearth.EFORBIDDEN:
		title = "Not allowed"
	case hearth.ETOOMANY:
		title = "Too many attempts"
	case hearth.EINTERNAL:
		title = "Something went wrong"
	}
	back := "/"
	if r.Method == http.MethodGet {
		if ref, perr := url.Parse(r.Header.Get("Referer")); perr == nil && ref.Host == r.Host && ref.Path != "" && ref.Path != r.URL.Path {
			back = ref.Path
		}
	} else {
		back = r.URL.Path
	}
	p.Data = errorPage{Title: title, Message: sentence(hearth.ErrorMessage(err)), Back: back}
	if rerr := s.pages.Render(w, status, "error", p); rerr != nil {
		s.Logger.ErrorContext(r.Context(), "render error page", "err", rerr.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

// sentence starts msg with a capital letter and ends it with a full stop:
// service messages are written as clauses for the API.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	r, n := utf8.DecodeRuneInString(msg)
	msg = strings.ToUpper(string(r)) + msg[n:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") && !strings.HasSuffix(msg, "!") {
		msg += "."
	}
	return msg
}

// isRetryAfter returns the Retry-After header value of a rate-limit error.
func isRetryAfter(err error) (string, bool) {
	if after, ok := auth.IsRetryAfter(err); ok {
		return strconv.Itoa(max(1, int(math.Ceil(after.Seconds())))), true
	}
	if hearth.ErrorCode(err) == hearth.ETOOMANY {
		return "1", true
	}
	return "", false
}

// personPage is the context of a page about one person of a household:
// the household and person from the path, the person's name, and whether
// the caller is that person or acts for them (a guardian).
type personPage struct {
	Household  web.NavHousehold
	PersonID   string
	PersonName string
	Self       bool   // the caller is the person
	Section    string // which of the person's pages this is, for personnav
}

// personPageFunc renders a page about one person, the caller already
// authorised for them.
type personPageFunc func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error

// forPersonPage authorises the caller for {person} in {hh} exactly as the
// API's consent and settings routes do (subject.Authorize, policy's
// MayConsent: the person themselves, a guardian for their child) and runs
// h; a caller who is not a member gets the not-found page, a member who may
// not act for the person the not-allowed page. Pages of the rights
// (export, erasure) that an owner may also exercise for a profile without
// an account authorise as the rights routes do instead.
func (s *server) forPersonPage(section string, h personPageFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if s.Consents == nil || s.Subjects == nil {
			return hearth.Errorf(hearth.ENOTFOUND, "consents and settings are not served here")
		}
		hh, person := r.PathValue("hh"), r.PathValue("person")
		if _, _, err := s.Subjects.Authorize(r.Context(), caller(r), hh, person); err != nil {
			return err
		}
		pp := personPage{PersonID: person, Self: person == caller(r), Section: section}
		for _, h := range p.Households {
			if h.ID == hh {
				pp.Household = h
			}
		}
		if pp.Household.ID == "" {
			return hearth.Errorf(hearth.ENOTFOUND, "no such household")
		}
		members, err := s.Households.Members(r.Context(), caller(r), hh)
		if err != nil {
			return err
		}
		for _, m := range members {
			if m.PersonID == person {
				pp.PersonName = m.DisplayName
			}
		}
		return h(w, r, p, pp)
	}
}
