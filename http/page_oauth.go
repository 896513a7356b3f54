package http

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ory/fosite"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/http/web"
	"github.com/hearth-iot/hearth/oauth"
	"github.com/hearth-iot/hearth/policy"
)

// oauthPages registers the OAuth consent screen (the authorization
// endpoint, RFC 6749 section 3.1), the person's connected clients, and the
// operators' client registration.
func (s *server) oauthPages(handle func(pattern string, h http.Handler)) {
	handle("GET /oauth/authorize", s.page("account", s.withOAuth(s.pageAuthorize())))
	handle("POST /oauth/authorize", s.page("account", s.withOAuth(s.pageAuthorizePost())))
	handle("GET /account/clients", s.page("account", s.withOAuth(s.pageClients())))
	handle("POST /account/clients/{client}/revoke", s.page("account", s.withOAuth(s.pageRevokeClientPost())))
	handle("GET /operator/clients", s.page("operator", s.forOperator(s.withOAuth(s.pageOperatorClients()))))
	handle("POST /operator/clients", s.page("operator", s.forOperator(s.withOAuth(s.pageOperatorClientsPost()))))
	handle("POST /operator/clients/{client}/remove", s.page("operator", s.forOperator(s.withOAuth(s.pageOperatorRemoveClientPost()))))
}

// withOAuth answers 404 for f's page when the server has no
// authorization server (Config.OAuth nil), as the API routes do.
func (s *server) withOAuth(f pageFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if s.OAuth == nil {
			return hearth.Errorf(hearth.ENOTFOUND, "third-party clients are not served here")
		}
		return f(w, r, p)
	}
}

// scopeLine is one scope on the consent screen, in the person's words.
type scopeLine struct {
	Scope string
	Text  string
}

// authorizePage is the content of the consent screen.
type authorizePage struct {
	Client      string // the client's name
	ClientID    string
	RedirectURI string
	Functions   []scopeLine
	Limits      []scopeLine // the narrowings: which household, device, purpose
	Action      string      // the form's action: this page's address, query included
}

// scopeLines describes scopes for a person: functions and narrowings
// apart, a household by its name when the person is a member of it, a
// purpose by its name in the privacy notice.
func (s *server) scopeLines(scopes []string, p *web.Page) (funcs, limits []scopeLine) {
	for _, raw := range scopes {
		sc, err := policy.ParseScope(raw)
		if err != nil {
			continue // fosite let through only registered, parsable scopes
		}
		line := scopeLine{Scope: raw, Text: sc.Text()}
		if sc.Kind == policy.NarrowHousehold {
			line.Text = "household " + sc.Name + ", which you are not a member of: nothing of it will be shared"
			for _, h := range p.Households {
				if h.ID == sc.Name {
					line.Text = "your household “" + h.Name + "”"
				}
			}
		}
		if sc.Kind == policy.NarrowPurpose {
			for _, np := range s.notices().doc.Purposes {
				if np.ID == sc.Name {
					line.Text = "the purpose “" + np.Name + "”"
				}
			}
		}
		if sc.Kind == "" {
			funcs = append(funcs, line)
		} else {
			limits = append(limits, line)
		}
	}
	return funcs, limits
}

// origin returns the scheme and host of raw, for the page's form-action.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// pageAuthorize shows the consent screen: who the client is, what each
// scope lets it do and where, with Allow and Deny of equal weight. A
// request fosite refuses (unknown client, a redirect URI not registered,
// no PKCE S256 challenge, a scope the client may not ask for) is answered
// by fosite: to the client when its redirect URI is known, else here.
func (s *server) pageAuthorize() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if s.OAuth == nil {
			return hearth.Errorf(hearth.ENOTFOUND, msgNoOAuth)
		}
		prov, ctx := s.OAuth.Provider, r.Context()
		ar, err := prov.NewAuthorizeRequest(ctx, r)
		if err != nil {
			prov.WriteAuthorizeError(ctx, w, ar, err)
			return nil
		}
		c, err := s.OAuth.Client(ctx, ar.GetClient().GetID())
		if err != nil {
			return err
		}
		d := authorizePage{Client: c.Name, ClientID: c.ID, RedirectURI: ar.GetRedirectURI().String(),
			Action: "/oauth/authorize?" + r.URL.RawQuery}
		d.Functions, d.Limits = s.scopeLines(ar.GetRequestedScopes(), p)
		p.Title, p.Data = "Allow "+c.Name+" to use your account?", d
		if o := origin(d.RedirectURI); o != "" {
			p.FormTargets = []string{o}
		}
		return s.render(w, r, http.StatusOK, "oauth_authorize", p)
	}
}

// pageAuthorizePost carries out the person's answer: Allow grants the
// scopes asked for and sends the client an authorization code; Deny sends
// it access_denied. The request is checked again as on the screen.
func (s *server) pageAuthorizePost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if s.OAuth == nil {
			return hearth.Errorf(hearth.ENOTFOUND, msgNoOAuth)
		}
		decision := r.PostForm.Get("decision")
		for _, k := range []string{web.CSRFField, "decision"} { // not part of the OAuth request fosite keeps
			r.Form.Del(k)
			r.PostForm.Del(k)
		}
		prov, ctx := s.OAuth.Provider, r.Context()
		ar, err := prov.NewAuthorizeRequest(ctx, r)
		if err != nil {
			prov.WriteAuthorizeError(ctx, w, ar, err)
			return nil
		}
		if decision != "allow" {
			prov.WriteAuthorizeError(ctx, w, ar, fosite.ErrAccessDenied.WithHint("The person did not allow access."))
			return nil
		}
		for _, sc := range ar.GetRequestedScopes() {
			ar.GrantScope(sc)
		}
		resp, err := prov.NewAuthorizeResponse(ctx, ar, oauth.NewSession(accountFrom(ctx)))
		if err != nil {
			prov.WriteAuthorizeError(ctx, w, ar, err)
			return nil
		}
		prov.WriteAuthorizeResponse(ctx, w, ar, resp)
		return nil
	}
}

// connectedClient is one client on the connected clients page.
type connectedClient struct {
	ID, Name  string
	Functions []scopeLine
	Limits    []scopeLine
	GrantedAt time.Time
}

// pageClients lists the clients the person gave access to (as GET
// /v1/me/clients), each with what it may do and since when, and a way to
// take its access back.
func (s *server) pageClients() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if s.OAuth == nil {
			return hearth.Errorf(hearth.ENOTFOUND, msgNoOAuth)
		}
		cs, err := s.OAuth.ConnectedClients(r.Context(), accountFrom(r.Context()).PersonID)
		if err != nil {
			return err
		}
		var out []connectedClient
		for _, c := range cs {
			cc := connectedClient{ID: c.ClientID, Name: c.ClientName, GrantedAt: c.GrantedAt}
			cc.Functions, cc.Limits = s.scopeLines(c.Scopes, p)
			out = append(out, cc)
		}
		p.Title, p.Data = "Connected apps", out
		return s.render(w, r, http.StatusOK, "oauth_clients", p)
	}
}

// pageRevokeClientPost takes a client's access back (as DELETE
// /v1/me/clients/{client}): its next call is refused.
func (s *server) pageRevokeClientPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if s.OAuth == nil {
			return hearth.Errorf(hearth.ENOTFOUND, msgNoOAuth)
		}
		if err := s.OAuth.Disconnect(r.Context(), accountFrom(r.Context()).PersonID, r.PathValue("client")); err != nil {
			return err
		}
		s.redirect(w, r, "/account/clients", "The app's access was taken back. It can no longer use your account.")
		return nil
	}
}

// operatorClientsPage is the console's OAuth clients page.
type operatorClientsPage struct {
	operatorView
	Clients   []oauthClientJSON
	Functions []policy.ScopeFunction
	New       *oauthClientJSON // the client just registered, with its secret shown once
}

// renderOperatorClients renders the console's clients page with status.
func (s *server) renderOperatorClients(w http.ResponseWriter, r *http.Request, p *web.Page, status int, created *oauthClientJSON) error {
	if s.OAuth == nil {
		return hearth.Errorf(hearth.ENOTFOUND, msgNoOAuth)
	}
	cs, err := s.OAuth.Clients(r.Context())
	if err != nil {
		return err
	}
	d := operatorClientsPage{operatorView: operatorView{View: "clients"}, Functions: policy.ScopeFunctions(), New: created}
	for i := range cs {
		d.Clients = append(d.Clients, clientJSON(&cs[i]))
	}
	p.Title, p.Data = "Third-party clients", d
	return s.render(w, r, status, "operator_clients", p)
}

// pageOperatorClients lists the registered clients (as GET
// /v1/operator/clients) with the form registering one.
func (s *server) pageOperatorClients() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		return s.renderOperatorClients(w, r, p, http.StatusOK, nil)
	}
}

// pageOperatorClientsPost registers a client (as POST
// /v1/operator/clients) and shows its secret once.
func (s *server) pageOperatorClientsPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		f := r.PostForm
		c, secret, err := s.OAuth.RegisterClient(r.Context(), oauth.NewClient{Name: f.Get("name"),
			RedirectURIs: splitLines(f.Get("redirect_uris")), Scopes: f["scopes"], Public: f.Get("public") == "yes",
			CreatedBy: accountFrom(r.Context()).PersonID})
		if err != nil {
			switch hearth.ErrorCode(err) {
			case hearth.EINVALID, hearth.ECONFLICT:
				p.Form = f
				p.SetError(hearth.ErrorField(err), hearth.ErrorMessage(err))
				return s.renderOperatorClients(w, r, p, statusOf(hearth.ErrorCode(err)), nil)
			}
			return err
		}
		created := clientJSON(c)
		created.Secret = secret
		return s.renderOperatorClients(w, r, p, http.StatusCreated, &created)
	}
}

// pageOperatorRemoveClientPost removes a client (as DELETE
// /v1/operator/clients/{client}).
func (s *server) pageOperatorRemoveClientPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if s.OAuth == nil {
			return hearth.Errorf(hearth.ENOTFOUND, msgNoOAuth)
		}
		if err := s.OAuth.RemoveClient(r.Context(), r.PathValue("client")); err != nil {
			return err
		}
		s.redirect(w, r, "/operator/clients", "The client was removed. Its tokens no longer work.")
		return nil
	}
}

// splitLines splits a text area into its non-empty lines.
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
