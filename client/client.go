// Package client is a small Go client for Hearth's HTTP API, for the
// common flows: signing up and in, households, devices, readings,
// consents, a person's export and rights requests. Its types follow the
// shapes of the API's OpenAPI document (GET /api/openapi.json, source
// http/openapi/*.yaml); the http package's tests drive this client against
// a real server and check every exchange against that document.
//
// The client takes an *http.Client, so the caller chooses how requests are
// authenticated: with a session token (SignIn sets it, or WithToken), sent
// as "Authorization: Bearer", or with an OAuth 2 client such as the one
// golang.org/x/oauth2's Config.Client returns, which adds its own
// Authorization header (then set no token).
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client calls one Hearth server. Its methods are safe for concurrent use,
// apart from SignIn and SignOut, which change its token.
type Client struct {
	base  string
	hc    *http.Client
	token string
}

// New returns a client of the server at baseURL (such as
// "https://hearth.example"), sending requests through hc
// (http.DefaultClient if nil).
func New(baseURL string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimSuffix(baseURL, "/"), hc: hc}
}

// WithToken returns a copy of c that sends token as its bearer session
// token.
func (c *Client) WithToken(token string) *Client {
	c2 := *c
	c2.token = token
	return &c2
}

// Token returns the session token c sends, "" if none.
func (c *Client) Token() string { return c.token }

// Error is an error the API answered: an RFC 9457 problem document.
type Error struct {
	Type   string       `json:"type"` // urn:hearth:problem:CODE
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail"`
	Errors []FieldError `json:"errors,omitempty"`
}

// FieldError names a field of the request at fault and why.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error returns the status, code and detail, and each field at fault.
func (e *Error) Error() string {
	s := fmt.Sprintf("hearth: %d %s: %s", e.Status, e.Code(), e.Detail)
	for _, f := range e.Errors {
		s += fmt.Sprintf("; %s: %s", f.Field, f.Reason)
	}
	return s
}

// Code returns the problem's code, such as "not_found" or "forbidden".
func (e *Error) Code() string { return strings.TrimPrefix(e.Type, "urn:hearth:problem:") }

// IsCode reports whether err is an *Error with the code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code() == code
}

// do sends a request with an optional JSON body and decodes a JSON answer
// into out (if not nil). An answer with another status than want is an
// error: the problem document as *Error, or a description.
func (c *Client) do(ctx context.Context, method, path string, in, out any, want ...int) (int, error) {
	res, err := c.send(ctx, method, path, in)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if err := check(res, want...); err != nil {
		return res.StatusCode, err
	}
	if out == nil || res.StatusCode == http.StatusNoContent {
		return res.StatusCode, nil
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return res.StatusCode, fmt.Errorf("hearth: %s %s: decode the answer: %w", method, path, err)
	}
	return res.StatusCode, nil
}

// send sends a request; the caller closes the answer's body.
func (c *Client) send(ctx context.Context, method, path string, in any) (*http.Response, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return c.hc.Do(req)
}

// check returns nil if res has one of the wanted statuses, else the
// error it carries.
func check(res *http.Response, want ...int) error {
	for _, w := range want {
		if res.StatusCode == w {
			return nil
		}
	}
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt == "application/problem+json" {
		var p Error
		if err := json.Unmarshal(b, &p); err == nil {
			return &p
		}
	}
	return fmt.Errorf("hearth: %s %s: unexpected status %s", res.Request.Method, res.Request.URL.Path, res.Status)
}

func esc(s string) string { return url.PathEscape(s) }

// person is the path of a person's routes in a household.
func person(hh, personID string) string {
	return "/v1/households/" + esc(hh) + "/people/" + esc(personID)
}

// Session is a signed-in session.
type Session struct {
	Token   string    `json:"token"`
	Expires time.Time `json:"expires"`
}

// SecondFactorRequired is SignIn's error for an account with a second
// factor: finish with SecondFactor.
type SecondFactorRequired struct {
	StepToken string    `json:"second_step_token"`
	Expires   time.Time `json:"expires"`
	Methods   []string  `json:"methods"`
}

// Error names the second factors the account accepts.
func (e *SecondFactorRequired) Error() string {
	return "hearth: this account signs in with a second factor: " + strings.Join(e.Methods, ", ")
}

// SignUp creates an account. The answer is the same whether or not the
// address had one (so it does not tell which addresses do): sign in next.
func (c *Client) SignUp(ctx context.Context, email, password, displayName string) error {
	_, err := c.do(ctx, "POST", "/v1/accounts", map[string]string{"email": email, "password": password, "display_name": displayName}, nil, http.StatusAccepted)
	return err
}

// SignIn opens a session and makes c send its token. For an account with
// a second factor it returns *SecondFactorRequired.
func (c *Client) SignIn(ctx context.Context, email, password string) (*Session, error) {
	var raw json.RawMessage
	status, err := c.do(ctx, "POST", "/v1/sessions", map[string]string{"email": email, "password": password}, &raw, http.StatusCreated, http.StatusAccepted)
	if err != nil {
		return nil, err
	}
	if status == http.StatusAccepted {
		var sf SecondFactorRequired
		if err := json.Unmarshal(raw, &sf); err != nil {
			return nil, err
		}
		return nil, &sf
	}
	return c.session(raw)
}

// SecondFactor finishes a sign-in with a code: method is "totp" (the
// authenticator app's code) or "recovery".
func (c *Client) SecondFactor(ctx context.Context, stepToken, method, code string) (*Session, error) {
	var raw json.RawMessage
	if _, err := c.do(ctx, "POST", "/v1/sessions/second-factor", map[string]string{"second_step_token": stepToken, "method": method, "code": code}, &raw, http.StatusCreated); err != nil {
		return nil, err
	}
	return c.session(raw)
}

func (c *Client) session(raw json.RawMessage) (*Session, error) {
	var s Session
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	c.token = s.Token
	return &s, nil
}

// SignOut ends c's session.
func (c *Client) SignOut(ctx context.Context) error {
	_, err := c.do(ctx, "DELETE", "/v1/sessions/current", nil, nil, http.StatusNoContent)
	if err == nil {
		c.token = ""
	}
	return err
}

// Account is the signed-in account (GET /v1/me).
type Account struct {
	AccountID   string    `json:"account_id"`
	PersonID    string    `json:"person_id"`
	Email       string    `json:"email"`
	DisplayName string    `json:"display_name"`
	Created     time.Time `json:"created"`
}

// Me returns the signed-in account.
func (c *Client) Me(ctx context.Context) (*Account, error) {
	var a Account
	if _, err := c.do(ctx, "GET", "/v1/me", nil, &a, http.StatusOK); err != nil {
		return nil, err
	}
	return &a, nil
}

// Household is a household.
type Household struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

// CreateHousehold creates a household, whose owner the caller is.
func (c *Client) CreateHousehold(ctx context.Context, name string) (*Household, error) {
	var h Household
	if _, err := c.do(ctx, "POST", "/v1/households", map[string]string{"name": name}, &h, http.StatusCreated); err != nil {
		return nil, err
	}
	return &h, nil
}

// Households lists the caller's households.
func (c *Client) Households(ctx context.Context) ([]Household, error) {
	var out struct {
		Households []Household `json:"households"`
	}
	_, err := c.do(ctx, "GET", "/v1/households", nil, &out, http.StatusOK)
	return out.Households, err
}

// Member is a member of a household, with what their role controls.
type Member struct {
	PersonID    string    `json:"person_id"`
	DisplayName string    `json:"display_name"`
	Role        string    `json:"role"`
	Controls    string    `json:"controls"`
	HasAccount  bool      `json:"has_account"`
	GuardianID  string    `json:"guardian_id,omitempty"`
	Added       time.Time `json:"added"`
}

// Members lists a household's members.
func (c *Client) Members(ctx context.Context, hh string) ([]Member, error) {
	var out struct {
		Members []Member `json:"members"`
	}
	_, err := c.do(ctx, "GET", "/v1/households/"+esc(hh)+"/members", nil, &out, http.StatusOK)
	return out.Members, err
}

// Device is a device of a household.
type Device struct {
	ID       string    `json:"id"`
	Model    string    `json:"model"`
	Firmware string    `json:"firmware"`
	Mode     string    `json:"mode,omitempty"`
	Claimed  time.Time `json:"claimed"`
}

// ClaimDevice claims a device into hh with its one-time claim code.
func (c *Client) ClaimDevice(ctx context.Context, hh, code string) (*Device, error) {
	var d Device
	if _, err := c.do(ctx, "POST", "/v1/households/"+esc(hh)+"/devices", map[string]string{"code": code}, &d, http.StatusCreated); err != nil {
		return nil, err
	}
	return &d, nil
}

// Devices lists a household's devices.
func (c *Client) Devices(ctx context.Context, hh string) ([]Device, error) {
	var out struct {
		Devices []Device `json:"devices"`
	}
	_, err := c.do(ctx, "GET", "/v1/households/"+esc(hh)+"/devices", nil, &out, http.StatusOK)
	return out.Devices, err
}

// ReadingsQuery selects readings: Purpose is required; the rest narrow
// them. Person "-" is the household's own readings.
type ReadingsQuery struct {
	Purpose  string
	From, To time.Time
	Category string
	Person   string
	Device   string
	Cursor   string
	Limit    int
}

// Reading is one reading, decrypted.
type Reading struct {
	ID       int64          `json:"id"`
	DeviceID string         `json:"device_id"`
	PersonID string         `json:"person_id,omitempty"`
	Category string         `json:"category"`
	Time     time.Time      `json:"time"`
	Received time.Time      `json:"received"`
	Inferred bool           `json:"inferred,omitempty"`
	Disputed bool           `json:"disputed,omitempty"`
	Values   map[string]any `json:"values"`
}

// ReadingsPage is a page of readings: Withheld counts, by reason, those
// the purpose may not use; NextCursor, if not empty, pages on.
type ReadingsPage struct {
	Purpose    string         `json:"purpose"`
	Readings   []Reading      `json:"readings"`
	Withheld   map[string]int `json:"withheld"`
	NextCursor string         `json:"next_cursor"`
}

// Readings returns a page of hh's readings the caller may read for q's
// purpose.
func (c *Client) Readings(ctx context.Context, hh string, q ReadingsQuery) (*ReadingsPage, error) {
	v := url.Values{"purpose": {q.Purpose}}
	for k, s := range map[string]string{"category": q.Category, "person": q.Person, "device": q.Device, "cursor": q.Cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if !q.From.IsZero() {
		v.Set("from", q.From.Format(time.RFC3339Nano))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.Format(time.RFC3339Nano))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var p ReadingsPage
	if _, err := c.do(ctx, "GET", "/v1/households/"+esc(hh)+"/readings?"+v.Encode(), nil, &p, http.StatusOK); err != nil {
		return nil, err
	}
	return &p, nil
}

// Consent is a consent-based purpose's state for a person: Status is
// given, refused, withdrawn or expired; empty when never decided.
type Consent struct {
	Status      string    `json:"status,omitempty"`
	Time        time.Time `json:"time"`
	Actor       string    `json:"actor,omitempty"`
	Seq         int64     `json:"seq,omitempty"`
	LastRefused time.Time `json:"last_refused,omitzero"`
}

// Consents returns a person's consents, by purpose.
func (c *Client) Consents(ctx context.Context, hh, personID string) (map[string]Consent, error) {
	var out struct {
		Consents map[string]Consent `json:"consents"`
	}
	_, err := c.do(ctx, "GET", person(hh, personID)+"/consents", nil, &out, http.StatusOK)
	return out.Consents, err
}

// Decision is a consent decision: Decision is give, refuse or withdraw,
// Method how it was made (web, app, voice or api), Statement the explicit
// statement shown, verbatim, where the purpose needs one.
type Decision struct {
	Decision  string `json:"decision"`
	Method    string `json:"method"`
	Statement string `json:"statement,omitempty"`
}

// Decide records a person's consent decision about a purpose and returns
// the purpose's new state.
func (c *Client) Decide(ctx context.Context, hh, personID, purpose string, d Decision) (*Consent, error) {
	var out struct {
		Consent Consent `json:"consent"`
	}
	if _, err := c.do(ctx, "POST", person(hh, personID)+"/consents/"+esc(purpose), d, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out.Consent, nil
}

// ExportLink is a download link of a person's export.
type ExportLink struct {
	URL     string    `json:"url"`
	Expires time.Time `json:"expires"`
}

// RequestExport asks for a person's export (recorded as an access request)
// after the caller enters their password again.
func (c *Client) RequestExport(ctx context.Context, hh, personID, password string) (*ExportLink, error) {
	return c.exportLink(ctx, person(hh, personID)+"/exports", password)
}

// RequestMyExport asks for the caller's own export, in or out of any
// household.
func (c *Client) RequestMyExport(ctx context.Context, password string) (*ExportLink, error) {
	return c.exportLink(ctx, "/v1/me/exports", password)
}

func (c *Client) exportLink(ctx context.Context, path, password string) (*ExportLink, error) {
	var l ExportLink
	if _, err := c.do(ctx, "POST", path, map[string]string{"password": password}, &l, http.StatusCreated); err != nil {
		return nil, err
	}
	return &l, nil
}

// DownloadExport writes the ZIP archive an export link points at to w and
// returns its size. The link's URL is the path of GET /v1/exports/{token}
// (or a full URL on the same server).
func (c *Client) DownloadExport(ctx context.Context, l *ExportLink, w io.Writer) (int64, error) {
	u, err := url.Parse(l.URL)
	if err != nil {
		return 0, err
	}
	res, err := c.send(ctx, "GET", u.RequestURI(), nil)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if err := check(res, http.StatusOK); err != nil {
		return 0, err
	}
	return io.Copy(w, res.Body)
}

// NewRequest is a rights request to record: Type is access, portability,
// rectification, erasure, restriction, objection, adm-opt-out or
// adm-review; Scope and Statement are optional; Password is the caller's,
// entered again.
type NewRequest struct {
	Type      string `json:"type"`
	Scope     string `json:"scope,omitempty"`
	Statement string `json:"statement,omitempty"`
	Password  string `json:"password"`
}

// RightsRequest is a rights request with its progress: Status is
// received, in-progress, done or refused.
type RightsRequest struct {
	ID            string    `json:"id"`
	Person        string    `json:"person"`
	Household     string    `json:"household"`
	Type          string    `json:"type"`
	Scope         string    `json:"scope"`
	RequestedBy   string    `json:"requested_by"`
	IdentityCheck string    `json:"identity_check"`
	Status        string    `json:"status"`
	Created       time.Time `json:"created"`
	Deadline      time.Time `json:"deadline"`
	Completed     time.Time `json:"completed,omitzero"`
	Outcome       string    `json:"outcome"`
	Statement     string    `json:"statement,omitempty"`
}

// OpenRequest records a rights request for a person, for the operator to
// handle.
func (c *Client) OpenRequest(ctx context.Context, hh, personID string, r NewRequest) (*RightsRequest, error) {
	var out RightsRequest
	if _, err := c.do(ctx, "POST", person(hh, personID)+"/requests", r, &out, http.StatusCreated); err != nil {
		return nil, err
	}
	return &out, nil
}

// Requests lists a person's rights requests, newest first.
func (c *Client) Requests(ctx context.Context, hh, personID string) ([]RightsRequest, error) {
	return c.requests(ctx, person(hh, personID)+"/requests")
}

// MyRequests lists every rights request about the caller, newest first.
func (c *Client) MyRequests(ctx context.Context) ([]RightsRequest, error) {
	return c.requests(ctx, "/v1/me/requests")
}

func (c *Client) requests(ctx context.Context, path string) ([]RightsRequest, error) {
	var out struct {
		Requests []RightsRequest `json:"requests"`
	}
	_, err := c.do(ctx, "GET", path, nil, &out, http.StatusOK)
	return out.Requests, err
}
