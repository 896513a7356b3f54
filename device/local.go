package device

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Local API bounds (docs/local-api.md, "Limits"). Everything reachable
// before pairing is bounded: connections, header and body sizes, the time
// a request may take, and pairing attempts (see PairBurst).
const (
	MaxLocalConns      = 32
	MaxLocalBody       = 1024
	maxLocalHeader     = 8 << 10
	localHeaderTimeout = 5 * time.Second
	localReadTimeout   = 10 * time.Second
	localWriteTimeout  = 30 * time.Second // a factory reset waits up to eventTimeout to announce itself
	localIdleTimeout   = 60 * time.Second
	defaultReadings    = 100
)

// localProblemBase prefixes a local API problem document's type.
const localProblemBase = "urn:hearth:local:problem:"

// apiError is an answer other than success: an RFC 9457 problem document.
type apiError struct {
	status     int
	code       string // the problem type's suffix
	field      string // the request field at fault, if any
	detail     string
	retryAfter time.Duration
}

func (e *apiError) Error() string { return e.detail }

func problem(status int, code, field, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, field: field, detail: fmt.Sprintf(format, args...)}
}

func invalid(field, format string, args ...any) *apiError {
	return problem(http.StatusBadRequest, "invalid", field, format, args...)
}

// localProblem is the JSON of an apiError.
type localProblem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail"`
	Errors []localFieldProblem `json:"errors,omitempty"`
}

type localFieldProblem struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// route is one method of one local API path; auth says whether it needs a
// paired app's token.
type route struct {
	auth bool
	h    func(w http.ResponseWriter, r *http.Request) error
}

// newServer returns the local API's HTTP server, with its time and size
// bounds.
func (ref *Reference) newServer() *http.Server {
	routes := map[string]map[string]route{
		"/local/v1/pair": {
			http.MethodPost:   {false, ref.handlePair},
			http.MethodDelete: {true, ref.handleUnpair},
		},
		"/local/v1/state":         {http.MethodGet: {true, ref.handleState}},
		"/local/v1/readings":      {http.MethodGet: {true, ref.handleReadings}},
		"/local/v1/settings":      {http.MethodPut: {true, ref.handleSettings}},
		"/local/v1/cloud":         {http.MethodPut: {true, ref.handleCloud}},
		"/local/v1/credential":    {http.MethodPut: {true, ref.handleCredential}},
		"/local/v1/factory-reset": {http.MethodPost: {true, ref.handleFactoryReset}},
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := ref.serve(routes, w, r)
		if e := (*apiError)(nil); err != nil && !errors.As(err, &e) {
			ref.cfg.Logger.Error("local API", "path", r.URL.Path, "err", err)
		}
		writeProblem(w, err)
	})
	return &http.Server{
		Handler: h, MaxHeaderBytes: maxLocalHeader,
		ReadHeaderTimeout: localHeaderTimeout, ReadTimeout: localReadTimeout,
		WriteTimeout: localWriteTimeout, IdleTimeout: localIdleTimeout,
	}
}

// serve finds the route of r, checks its token and runs it.
func (ref *Reference) serve(routes map[string]map[string]route, w http.ResponseWriter, r *http.Request) error {
	methods, ok := routes[r.URL.Path]
	if !ok {
		return problem(http.StatusNotFound, "not_found", "", "no such route: %s (see docs/local-api.md)", r.URL.Path)
	}
	rt, ok := methods[r.Method]
	if !ok {
		allow := make([]string, 0, len(methods))
		for m := range methods {
			allow = append(allow, m)
		}
		slices.Sort(allow)
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return problem(http.StatusMethodNotAllowed, "method_not_allowed", "", "%s %s: use %s", r.Method, r.URL.Path, strings.Join(allow, " or "))
	}
	if rt.auth {
		if err := ref.authorize(r); err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hearth-device"`)
			return err
		}
	}
	return rt.h(w, r)
}

// authorize checks the request's bearer token against the paired apps.
func (ref *Reference) authorize(r *http.Request) error {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return problem(http.StatusUnauthorized, "unauthorized", "", "send Authorization: Bearer <token>; pair first with POST /local/v1/pair")
	}
	if _, ok := ref.pairing(token); !ok {
		return problem(http.StatusUnauthorized, "unauthorized", "", "unknown token: the app is not paired (or was unpaired, or the device was reset)")
	}
	return nil
}

// pairing returns the index of the pairing whose token this is.
func (ref *Reference) pairing(token string) (int, bool) {
	h := hashToken(token)
	ref.mu.Lock()
	defer ref.mu.Unlock()
	for i, p := range ref.st.Pairings {
		if subtle.ConstantTimeCompare(p.TokenHash, h) == 1 {
			return i, true
		}
	}
	return 0, false
}

type pairRequest struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func (p *pairRequest) valid() error {
	if len(p.Code) != PairCodeDigits || strings.Trim(p.Code, "0123456789") != "" {
		return invalid("code", "give the %d-digit code the device shows", PairCodeDigits)
	}
	return validName("name", p.Name)
}

// validName checks a display name: 1 to 64 characters, printable.
func validName(field, s string) error {
	if s == "" || len(s) > 64 || strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 || !utf8Valid(s) {
		return invalid(field, "give 1 to 64 printable characters")
	}
	return nil
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func (ref *Reference) handlePair(w http.ResponseWriter, r *http.Request) error {
	var req pairRequest
	if err := decodeValid(w, r, &req); err != nil {
		return err
	}
	if ok, wait := ref.throttle.take(); !ok {
		e := problem(http.StatusTooManyRequests, "too_many", "", "too many wrong pairing codes: try again in %d s", retrySeconds(wait))
		e.retryAfter = wait
		return e
	}
	if !sameCode(req.Code, ref.code) {
		return problem(http.StatusForbidden, "wrong_code", "code", "wrong pairing code: give the code the device shows")
	}
	ref.throttle.refund()
	token, hash := newToken()
	if err := ref.lockLive(); err != nil {
		return conflict(err)
	}
	ref.st.Pairings = append(ref.st.Pairings, Pairing{TokenHash: hash, Name: req.Name, Created: ref.cfg.Now().UTC()})
	if n := len(ref.st.Pairings); n > MaxPairings {
		ref.st.Pairings = slices.Delete(ref.st.Pairings, 0, n-MaxPairings)
	}
	err := saveState(ref.cfg.Dir, ref.st)
	id := ref.st.DeviceID
	ref.mu.Unlock()
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]string{"token": token, "device_id": id})
}

func retrySeconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }

func conflict(err error) error {
	return problem(http.StatusConflict, "conflict", "", "%s", err.Error())
}

func (ref *Reference) handleUnpair(w http.ResponseWriter, r *http.Request) error {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	h := hashToken(token)
	if err := ref.lockLive(); err != nil {
		return conflict(err)
	}
	ref.st.Pairings = slices.DeleteFunc(ref.st.Pairings, func(p Pairing) bool { return bytes.Equal(p.TokenHash, h) })
	err := saveState(ref.cfg.Dir, ref.st)
	ref.mu.Unlock()
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (ref *Reference) handleState(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, ref.Status())
}

func (ref *Reference) handleReadings(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit := defaultReadings
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLocalReadings {
			return invalid("limit", "give a whole number from 1 to %d", MaxLocalReadings)
		}
		limit = n
	}
	cat := q.Get("category")
	if cat != "" && !slices.Contains(ModelCategories[ref.Status().Model], cat) {
		return invalid("category", "this device takes no %q readings; it takes %s", cat, strings.Join(ModelCategories[ref.Status().Model], ", "))
	}
	return writeJSON(w, http.StatusOK, map[string][]Reading{"readings": ref.Readings(cat, limit)})
}

type settingsRequest struct {
	TargetCelsius *float64 `json:"target_celsius"`
}

func (s *settingsRequest) valid() error {
	if t := s.TargetCelsius; t == nil || (*t != 0 && (*t < 5 || *t > 30)) {
		return invalid("target_celsius", "give a temperature from 5 to 30 °C, or 0 to follow the schedule")
	}
	return nil
}

func (ref *Reference) handleSettings(w http.ResponseWriter, r *http.Request) error {
	var req settingsRequest
	if err := decodeValid(w, r, &req); err != nil {
		return err
	}
	if err := ref.SetTarget(*req.TargetCelsius); err != nil {
		return conflict(err)
	}
	return writeJSON(w, http.StatusOK, ref.Status())
}

type cloudRequest struct {
	Enabled *bool `json:"enabled"`
}

func (c *cloudRequest) valid() error {
	if c.Enabled == nil {
		return invalid("enabled", "give true (cloud link on) or false (local-only)")
	}
	return nil
}

func (ref *Reference) handleCloud(w http.ResponseWriter, r *http.Request) error {
	var req cloudRequest
	if err := decodeValid(w, r, &req); err != nil {
		return err
	}
	if err := ref.SetCloud(*req.Enabled); err != nil {
		return conflict(err)
	}
	return writeJSON(w, http.StatusOK, ref.Status())
}

type credentialRequest struct {
	Secret string `json:"secret"`
}

func (c *credentialRequest) valid() error {
	if len(c.Secret) < 16 || len(c.Secret) > 256 || strings.IndexFunc(c.Secret, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
		return invalid("secret", "give the device secret the backend issued: 16 to 256 printable ASCII characters, no spaces")
	}
	return nil
}

func (ref *Reference) handleCredential(w http.ResponseWriter, r *http.Request) error {
	var req credentialRequest
	if err := decodeValid(w, r, &req); err != nil {
		return err
	}
	if err := ref.SetCredential(req.Secret); err != nil {
		return conflict(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (ref *Reference) handleFactoryReset(w http.ResponseWriter, r *http.Request) error {
	err := ref.FactoryReset()
	out := map[string]any{"status": "wiped", "announced": err == nil}
	if err != nil {
		out["detail"] = err.Error()
	}
	return writeJSON(w, http.StatusOK, out)
}

// validator is a request body that checks its own fields.
type validator interface{ valid() error }

// decodeValid decodes the request body into v (see decodeBody) and
// checks it.
func decodeValid(w http.ResponseWriter, r *http.Request, v validator) error {
	if err := decodeBody(w, r, v); err != nil {
		return err
	}
	return v.valid()
}

// decodeBody decodes a request body of exactly one JSON object, at most
// MaxLocalBody bytes, sent as application/json, into v; unknown fields
// are refused.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return problem(http.StatusUnsupportedMediaType, "unsupported_media_type", "", "send the body as Content-Type: application/json")
	}
	return decodeJSON(http.MaxBytesReader(w, r.Body, MaxLocalBody), v)
}

// decodeJSON decodes exactly one JSON object from rd into v, refusing
// unknown fields, with a precise error.
func decodeJSON(rd io.Reader, v any) error {
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if err = dec.Decode(&struct{}{}); err == io.EOF {
			return nil
		} else if err == nil {
			return invalid("", "the body must hold exactly one JSON object, with nothing after it")
		}
	}
	var mb *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mb):
		return problem(http.StatusRequestEntityTooLarge, "too_large", "", "the body is larger than the limit of %d bytes", MaxLocalBody)
	case errors.Is(err, io.EOF):
		return invalid("", "the body is empty: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("", "malformed JSON: the body ends before the object does")
	case errors.As(err, &syn):
		return invalid("", "malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ) && typ.Field != "":
		return invalid(typ.Field, "wrong type: %s is not allowed here", typ.Value)
	case errors.As(err, &typ):
		return invalid("", "the body must be a JSON object, not %s", typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return invalid(f, "unknown field")
	}
	return invalid("", "malformed JSON: %s", err.Error())
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) // an error here is the client gone: nothing more to tell it
	return nil
}

// writeProblem writes err, if any and if nothing was written yet, as a
// problem document. An error that is not an *apiError is an internal
// error, shown without its text.
func writeProblem(w http.ResponseWriter, err error) {
	if err == nil {
		return
	}
	var e *apiError
	if !errors.As(err, &e) {
		e = problem(http.StatusInternalServerError, "internal", "", "internal error")
	}
	p := localProblem{Type: localProblemBase + e.code, Title: http.StatusText(e.status), Status: e.status, Detail: e.detail}
	if e.field != "" {
		p.Errors = []localFieldProblem{{Field: e.field, Reason: e.detail}}
	}
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(e.retryAfter)))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(p)
}
