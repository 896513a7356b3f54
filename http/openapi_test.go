package http_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	hhttp "github.com/hearth-iot/hearth/http"
	"github.com/hearth-iot/hearth/http/openapi"
)

// The OpenAPI document is kept true by the tests of this package (INT-CLIENTS):
// every request a test sends to newEnv's server goes through apiChecker.wrap,
// which checks it against the document. The rule:
//
//   - the response is always checked: its status must be one the operation
//     documents and its body must match the schema of that status and
//     content type, whatever the request was;
//   - the request (parameters, body, security) is checked only when the
//     answer is 2xx: tests send invalid requests on purpose, and the
//     document describes the requests the API accepts.
//
// Requests to the web pages, to the excluded routes (openapi.Excluded) and
// to no route at all are not checked here. After a run of the whole package
// (no -run), TestMain fails if a documented operation was never answered
// with a response that validated.

// apiChecker validates the API's traffic against the OpenAPI document.
type apiChecker struct {
	v      validator.Validator
	model  *v3.Document
	kinds  *http.ServeMux // every pattern of the server, to tell API routes from pages
	mu     sync.Mutex     // the validator is not documented as safe for concurrent use
	tested map[string]bool
	record *os.File // HEARTH_OPENAPI_RECORD: write the traffic there instead of checking it
}

// routeKind is what a request's pattern is.
type routeKind int

const (
	kindAPI routeKind = iota
	kindPage
	kindExcluded
)

var theChecker = sync.OnceValues(newAPIChecker)

func newAPIChecker() (*apiChecker, error) {
	b, err := openapi.Document()
	if err != nil {
		return nil, err
	}
	doc, err := libopenapi.NewDocument(b)
	if err != nil {
		return nil, err
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		return nil, fmt.Errorf("validator: %v", errs)
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		return nil, err
	}
	c := &apiChecker{v: v, model: &m.Model, kinds: http.NewServeMux(), tested: map[string]bool{}}
	api, pages := hhttp.Patterns()
	for _, p := range api {
		kind := kindAPI
		if _, ok := openapi.Excluded[p]; ok {
			kind = kindExcluded
		}
		c.kinds.Handle(p, kindHandler{kind: kind, pattern: p})
	}
	for _, p := range pages {
		c.kinds.Handle(p, kindHandler{kind: kindPage, pattern: p})
	}
	if f := os.Getenv("HEARTH_OPENAPI_RECORD"); f != "" {
		if c.record, err = os.OpenFile(f, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// kindHandler is a pattern's entry in apiChecker.kinds.
type kindHandler struct {
	kind    routeKind
	pattern string
}

func (kindHandler) ServeHTTP(http.ResponseWriter, *http.Request) {}

// route returns the pattern r matches on the server and its kind; ok is
// false for a request no route serves.
func (c *apiChecker) route(r *http.Request) (pattern string, kind routeKind, ok bool) {
	h, _ := c.kinds.Handler(r)
	k, ok := h.(kindHandler)
	return k.pattern, k.kind, ok
}

// operations returns "METHOD /path" of every documented operation.
func (c *apiChecker) operations() []string {
	var ops []string
	for path, item := range c.model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			ops = append(ops, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(ops)
	return ops
}

// wrap checks every API request and response h serves, reporting
// mismatches on t. The response is held until checked, so the test that
// sent the request is still waiting for it.
func (c *apiChecker) wrap(t *testing.T, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pattern, kind, ok := c.route(r)
		if !ok || kind != kindAPI {
			h.ServeHTTP(w, r)
			return
		}
		var reqBody bytes.Buffer
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.TeeReader(r.Body, &reqBody), r.Body}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		res := rec.Result()
		resBody := rec.Body.Bytes()
		if c.record != nil {
			c.write(pattern, r, reqBody.Bytes(), res, resBody)
		} else if problems := c.check(pattern, r, reqBody.Bytes(), res, resBody); len(problems) > 0 {
			t.Errorf("OpenAPI: %s %s (route %q) answered %d:\n\t%s\n\tresponse body: %.400s",
				r.Method, r.URL, pattern, res.StatusCode, strings.Join(problems, "\n\t"), resBody)
		}
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		w.Write(resBody)
	})
}

// check validates one exchange and returns the problems found; a response
// that validates marks its operation as tested.
func (c *apiChecker) check(pattern string, r *http.Request, reqBody []byte, res *http.Response, resBody []byte) []string {
	method, path, _ := strings.Cut(pattern, " ")
	item := c.model.Paths.PathItems.GetOrZero(path)
	if item == nil || item.GetOperations().GetOrZero(strings.ToLower(method)) == nil {
		return []string{"the route is not in the OpenAPI document"}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var problems []string
	res.Body = io.NopCloser(bytes.NewReader(resBody))
	req := r.Clone(r.Context())
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	if _, errs := c.v.GetResponseBodyValidator().ValidateResponseBodyWithPathItem(req, res, item, path); len(errs) > 0 {
		for _, e := range errs {
			problems = append(problems, "response: "+describe(e.Message, e.Reason, e.SchemaValidationErrors))
		}
	}
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		req := r.Clone(r.Context())
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
		if _, errs := c.v.ValidateHttpRequestWithPathItem(req, item, path); len(errs) > 0 {
			for _, e := range errs {
				problems = append(problems, "request: "+describe(e.Message, e.Reason, e.SchemaValidationErrors))
			}
		}
	}
	if len(problems) == 0 {
		c.tested[method+" "+path] = true
	}
	return problems
}

func describe[T error](msg, reason string, details []T) string {
	s := msg + " (" + reason + ")"
	for _, d := range details {
		s += "; " + fmt.Sprint(d)
	}
	return s
}

// write appends one exchange to the record file (HEARTH_OPENAPI_RECORD).
func (c *apiChecker) write(pattern string, r *http.Request, reqBody []byte, res *http.Response, resBody []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	line, _ := json.Marshal(map[string]any{
		"pattern": pattern, "url": r.URL.String(), "status": res.StatusCode,
		"req_type": r.Header.Get("Content-Type"), "req": string(reqBody),
		"res_type": res.Header.Get("Content-Type"), "res": string(resBody),
		"query": r.URL.Query(), "auth": r.Header.Get("Authorization") != "", "cookie": r.Header.Get("Cookie") != "",
	})
	c.record.Write(append(line, '\n'))
}

// checkAPI wraps a test server's handler with the OpenAPI checker.
func checkAPI(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	c, err := theChecker()
	if err != nil {
		t.Fatalf("OpenAPI document: %v", err)
	}
	return c.wrap(t, h)
}

// TestMain runs the package's tests, then, when they all ran (no -run,
// -skip, -list or -short) and passed, fails if a documented operation was never answered
// with a response that validated against the document.
func TestMain(m *testing.M) {
	code := m.Run()
	if code != 0 || flagSet("test.run") || flagSet("test.skip") || flagSet("test.list") || testing.Short() {
		os.Exit(code)
	}
	c, err := theChecker()
	if err != nil {
		fmt.Fprintf(os.Stderr, "OpenAPI document: %v\n", err)
		os.Exit(1)
	}
	if c.record != nil {
		os.Exit(code)
	}
	var missing []string
	for _, op := range c.operations() {
		if !c.tested[op] {
			missing = append(missing, op)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: OpenAPI coverage: %d documented operations were never answered with a validated response by this package's tests; add a test that calls each:\n\t%s\n",
			len(missing), strings.Join(missing, "\n\t"))
		os.Exit(1)
	}
	os.Exit(code)
}

func flagSet(name string) bool {
	f := flag.Lookup(name)
	return f != nil && f.Value.String() != ""
}
