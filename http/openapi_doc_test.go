package http_test

import (
	"encoding/json"
	"maps"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	hhttp "github.com/hearth-iot/hearth/http"
	"github.com/hearth-iot/hearth/http/openapi"
	"github.com/hearth-iot/hearth/policy"
)

// TestOpenAPIDocument checks the document itself (INT-CLIENTS): valid
// OpenAPI 3.1 by the specification's schema, and written so that the
// response check means something: every operation has a unique
// operationId, a tag and a summary, lists its statuses (no default) and
// answers every error as a problem document.
func TestOpenAPIDocument(t *testing.T) {
	b, err := openapi.Document()
	if err != nil {
		t.Fatalf("openapi.Document: %v", err)
	}
	doc, err := libopenapi.NewDocument(b)
	if err != nil {
		t.Fatalf("libopenapi: %v", err)
	}
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", v)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("the document is not valid OpenAPI: %s: %s", e.Message, e.Reason)
			for _, s := range e.SchemaValidationErrors {
				t.Errorf("\t%s", s)
			}
		}
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("build model: %v", err)
	}
	ids := map[string]string{}
	for path, item := range m.Model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			name := strings.ToUpper(method) + " " + path
			if op.OperationId == "" || op.Summary == "" || len(op.Tags) == 0 {
				t.Errorf("%s: needs an operationId, a summary and a tag", name)
			}
			if other, dup := ids[op.OperationId]; dup {
				t.Errorf("%s: operationId %q is %s's too", name, op.OperationId, other)
			}
			ids[op.OperationId] = name
			if op.Responses == nil || op.Responses.Codes.Len() == 0 {
				t.Errorf("%s: lists no responses", name)
				continue
			}
			if op.Responses.Default != nil {
				t.Errorf("%s: has a default response: list each status instead, so that the tests can tell a wrong one", name)
			}
			for code, res := range op.Responses.Codes.FromOldest() {
				// The OAuth endpoints answer RFC 6749's (and RFC 7009's) error
				// objects: clients' libraries read those.
				rfc6749 := strings.HasPrefix(path, "/oauth/") && (code == "400" || code == "401")
				if code >= "400" && !rfc6749 && res.Content.GetOrZero("application/problem+json") == nil {
					t.Errorf("%s: %s is not a problem document: use $ref: '#/components/responses/Problem'", name, code)
				}
			}
		}
	}
}

// TestOpenAPIRoutes checks that the document and the router agree
// (INT-CLIENTS): the routes registered outside the web pages are exactly
// the documented operations, apart from openapi.Excluded.
func TestOpenAPIRoutes(t *testing.T) {
	c, err := theChecker()
	if err != nil {
		t.Fatalf("OpenAPI document: %v", err)
	}
	documented := c.operations()
	api, _ := hhttp.Patterns()
	var routes []string
	for _, p := range api {
		if _, ok := openapi.Excluded[p]; !ok {
			routes = append(routes, p)
		}
	}
	for p := range openapi.Excluded {
		if !slices.Contains(api, p) {
			t.Errorf("openapi.Excluded names %q, which is no route: remove it", p)
		}
	}
	sort.Strings(routes)
	for _, p := range routes {
		if !slices.Contains(documented, p) {
			t.Errorf("route %q is not in the OpenAPI document: add it to http/openapi/<area>.yaml", p)
		}
	}
	for _, op := range documented {
		if !slices.Contains(routes, op) {
			t.Errorf("the OpenAPI document describes %q, which is no route", op)
		}
	}
}

// TestOpenAPIServed checks GET /api/openapi.json: the merged document, as
// JSON.
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	res := e.want(e.do("GET", "/api/openapi.json", "", ""), 200)
	want, err := openapi.Document()
	if err != nil {
		t.Fatalf("openapi.Document: %v", err)
	}
	if string(res.body) != string(want) {
		t.Errorf("GET /api/openapi.json is not openapi.Document()")
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
	}
	if err := json.Unmarshal(res.body, &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q (%v), want 3.1.0", doc.OpenAPI, err)
	}
}

// TestAPIDocsMatchOpenAPI checks docs/api.md against the document: every
// documented operation is named in it (as `METHOD /path`, with {p} for
// /v1/households/{hh}/people/{person}; a GET of a public document may be
// named by its path alone), and every `METHOD /path` it names is a
// documented operation.
func TestAPIDocsMatchOpenAPI(t *testing.T) {
	c, err := theChecker()
	if err != nil {
		t.Fatalf("OpenAPI document: %v", err)
	}
	src, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatalf("read docs/api.md: %v", err)
	}
	named, paths := apiDocsRoutes(string(src))
	documented := c.operations()
	for _, op := range documented {
		method, path, _ := strings.Cut(op, " ")
		if !named[op] && !(method == "GET" && paths[path]) {
			t.Errorf("docs/api.md does not name %q", op)
		}
	}
	for op := range named {
		if !slices.Contains(documented, op) {
			t.Errorf("docs/api.md names %q, which the OpenAPI document does not describe", op)
		}
	}
}

// apiDocsRoutes returns the `METHOD /path` spans of docs/api.md, and the
// spans that are a path alone.
func apiDocsRoutes(src string) (named, paths map[string]bool) {
	named, paths = map[string]bool{}, map[string]bool{}
	for _, m := range regexp.MustCompile("`([^`\n]+)`").FindAllStringSubmatch(src, -1) {
		span := m[1]
		if r := regexp.MustCompile(`^(GET|POST|PUT|PATCH|DELETE) (\S+)`).FindStringSubmatch(span); r != nil {
			path := r[2]
			if strings.HasPrefix(path, "...") || strings.HasPrefix(path, "…") {
				continue // an abbreviation of a route named in full nearby
			}
			path = strings.Replace(path, "{p}", "/v1/households/{hh}/people/{person}", 1)
			path, _, _ = strings.Cut(path, "?")
			named[r[1]+" "+path] = true
			continue
		}
		if strings.HasPrefix(span, "/") && !strings.ContainsAny(span, " ") {
			paths[span] = true
		}
	}
	return named, paths
}

// TestOpenAPIClientScopes checks what the document says of OAuth clients
// (INT-CLIENTS, INT-SAME-SCOPE): its oauth2 scheme lists policy's
// functional scopes with their descriptions, and each operation names, as
// its oauth2 requirement, the scope the server asks of a client for the
// route (clientRoutes), and operations no client may call name none.
func TestOpenAPIClientScopes(t *testing.T) {
	c, err := theChecker()
	if err != nil {
		t.Fatalf("OpenAPI document: %v", err)
	}
	scheme := c.model.Components.SecuritySchemes.GetOrZero("oauth2")
	if scheme == nil || scheme.Flows == nil || scheme.Flows.AuthorizationCode == nil {
		t.Fatal("the document has no oauth2 scheme with the authorization code flow")
	}
	listed := map[string]string{}
	for name, text := range scheme.Flows.AuthorizationCode.Scopes.FromOldest() {
		listed[name] = text
	}
	want := map[string]string{}
	for _, f := range policy.ScopeFunctions() {
		want[f.Name] = f.Text
	}
	if !maps.Equal(listed, want) {
		t.Errorf("oauth2 scopes = %v, want policy.ScopeFunctions() %v", listed, want)
	}
	scopes := hhttp.ClientScopes()
	for path, item := range c.model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			name := strings.ToUpper(method) + " " + path
			var got []string
			for _, req := range op.Security {
				if s, ok := req.Requirements.Get("oauth2"); ok {
					got = append(got, s...)
				}
			}
			wantScope := scopes[name]
			switch {
			case wantScope == "" && len(got) > 0:
				t.Errorf("%s: the document lets OAuth clients call it with %v; the server refuses every client", name, got)
			case wantScope != "" && !slices.Equal(got, []string{wantScope}):
				t.Errorf("%s: oauth2 scopes %v in the document, want [%s] (http/oauth_scopes.go)", name, got, wantScope)
			}
		}
	}
}
