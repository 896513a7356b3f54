package http

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
)

// problemTypeBase prefixes a problem document's type; the error code
// follows, as in "urn:hearth:problem:not_found".
const problemTypeBase = "urn:hearth:problem:"

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail"`
	Errors []fieldProblem `json:"errors,omitempty"`
}

// statusOf maps a hearth error code to an HTTP status. EINVALID is 400 for
// every bad input (malformed, wrong type, unknown field or a broken rule),
// so clients handle one status; EREFUSED, input that is well-formed but
// refused by policy (such as a reading of an undeclared category), is 422.
// Anything without a code is 500.
func statusOf(code string) int {
	switch code {
	case hearth.EINVALID:
		return http.StatusBadRequest
	case hearth.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case hearth.EFORBIDDEN:
		return http.StatusForbidden
	case hearth.ENOTFOUND:
		return http.StatusNotFound
	case hearth.ECONFLICT:
		return http.StatusConflict
	case hearth.EGONE:
		return http.StatusGone
	case hearth.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case hearth.EREFUSED:
		return http.StatusUnprocessableEntity
	case hearth.ETOOMANY:
		return http.StatusTooManyRequests
	case hearth.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case hearth.EMEDIATYPE:
		return http.StatusUnsupportedMediaType
	}
	return http.StatusInternalServerError
}

// problemOf builds the problem document for err. Internal errors show only
// "internal error".
func problemOf(err error) Problem {
	var ve *validationError
	if errors.As(err, &ve) {
		return Problem{Type: problemTypeBase + hearth.EINVALID, Title: http.StatusText(http.StatusBadRequest),
			Status: http.StatusBadRequest, Detail: "the request has invalid fields", Errors: ve.list()}
	}
	code := hearth.ErrorCode(err)
	status := statusOf(code)
	p := Problem{Type: problemTypeBase + code, Title: http.StatusText(status), Status: status, Detail: hearth.ErrorMessage(err)}
	if f := hearth.ErrorField(err); f != "" {
		p.Errors = []fieldProblem{{Field: f, Reason: p.Detail}}
	}
	return p
}

// writeError writes err as a problem document, counts it, sets Retry-After
// for rate limits, and logs internal errors (their text holds no personal
// data: services never put any in errors).
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := problemOf(err)
	code := p.Type[len(problemTypeBase):]
	s.Metrics.Errors.WithLabelValues(code).Inc()
	if p.Status == http.StatusInternalServerError {
		s.Logger.ErrorContext(r.Context(), "internal error", "method", r.Method, "route", r.Pattern, "err", err.Error())
	}
	if after, ok := auth.IsRetryAfter(err); ok || p.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(after.Seconds())))))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// unrouted answers requests that match no route with a problem document:
// 405 with an Allow header when the path exists with other methods, 404
// otherwise.
func (s *server) unrouted(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := &headerProbe{header: http.Header{}}
		h.ServeHTTP(probe, r) // the mux's own 404 or 405, to learn which and the Allow header
		status, code := http.StatusNotFound, hearth.ENOTFOUND
		p := Problem{Detail: "no such route: see the API reference"}
		if probe.status == http.StatusMethodNotAllowed {
			status, code = http.StatusMethodNotAllowed, "method_not_allowed"
			p.Detail = "this route does not accept " + r.Method + "; it accepts " + probe.header.Get("Allow")
			w.Header().Set("Allow", probe.header.Get("Allow"))
		}
		p.Type, p.Title, p.Status = problemTypeBase+code, http.StatusText(status), status
		s.Metrics.Errors.WithLabelValues(code).Inc()
		s.Metrics.HTTPRequests.WithLabelValues("unrouted", strconv.Itoa(status)).Inc()
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(p)
	})
}

// headerProbe is a ResponseWriter that keeps the status and headers and
// discards the body.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header         { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *headerProbe) WriteHeader(status int)      { p.status = status }
