// Package web holds Hearth's pages: html/template files and the assets
// they use (one style sheet, a little script for progressive enhancement),
// embedded in the binary, so there is no front-end build step. Package
// http renders them from the same services the public API calls
// (INT-SAME-SCOPE); this package only renders.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

//go:embed static all:templates
var files embed.FS

// CSP is the Content-Security-Policy of every page: its own script and
// style only, no inline code, images from itself or inline data (the
// server-drawn charts and QR codes are inline SVG), forms posted only to
// itself, no framing.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// CSRFField is the name of the hidden form field that carries a page's
// CSRF token; every form that posts must include {{template "csrf" .}}.
const CSRFField = "csrf_token"

// Funcs are the functions every template may call. A file of this package
// may add its own in an init function; Parse reads the map once.
var Funcs = template.FuncMap{
	// datetime formats t for people, in UTC with its zone named.
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2 Jan 2006, 15:04 MST")
	},
	// date formats t's day.
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2 January 2006")
	},
	// days formats a duration in whole days ("1 day", "30 days").
	"days": func(d time.Duration) string {
		n := int(d / (24 * time.Hour))
		if n == 1 {
			return "1 day"
		}
		return fmt.Sprintf("%d days", n)
	},
	"join": strings.Join,
	// pathEscape escapes one path segment.
	"pathEscape": url.PathEscape,
	// field gathers what the "field" template needs: the page (for the
	// value typed and the error), the input's name, its label and its type.
	"field": func(p *Page, name, label, typ string) Field {
		return Field{Name: name, Label: label, Type: typ, Value: p.Value(name), Error: p.Error(name)}
	},
}

// Field is one labelled input with its value and error, for the "field"
// template.
type Field struct {
	Name, Label, Type, Value, Error string
}

// Account is the signed-in person as the layout shows them.
type Account struct {
	Name     string // display name
	Email    string
	PersonID string
	Operator bool
}

// NavHousehold is a household in the navigation.
type NavHousehold struct {
	ID, Name string
}

// Page is what every template receives. Data is the page's own content.
type Page struct {
	Title      string
	Section    string   // the navigation entry this page belongs to, for aria-current
	Account    *Account // nil when no one is signed in
	Households []NavHousehold
	CSRF       string            // the token forms post back in CSRFField
	Flash      string            // a one-time message from the previous step
	Errors     map[string]string // field name → what is wrong with it; "" for the form as a whole
	Form       url.Values        // what was typed, shown again with the errors
	Data       any
	// FormTargets are origins besides this site a form on the page leads
	// to: the OAuth consent screen's answer redirects to the client.
	FormTargets []string
}

// Value returns what was typed in field name, to show it again.
func (p *Page) Value(name string) string {
	if p == nil || p.Form == nil {
		return ""
	}
	return p.Form.Get(name)
}

// Error returns the error of field name ("" for the form as a whole).
func (p *Page) Error(name string) string {
	if p == nil {
		return ""
	}
	return p.Errors[name]
}

// SetError records an error for field name ("" for the form as a whole).
func (p *Page) SetError(name, msg string) {
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	p.Errors[name] = msg
}

// Renderer renders the embedded pages. It is safe for concurrent use.
type Renderer struct {
	pages map[string]*template.Template
}

// Parse parses every page of the templates folder with the shared layout
// and partials (files whose names start with "_"). A page file defines the
// "title" and "content" templates.
func Parse() (*Renderer, error) {
	base, err := template.New("layout").Funcs(Funcs).ParseFS(files, "templates/_*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("list pages: %w", err)
	}
	r := &Renderer{pages: map[string]*template.Template{}}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(files, n)
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		r.pages[name] = t
	}
	return r, nil
}

// Has reports whether a page called name exists.
func (r *Renderer) Has(name string) bool { return r.pages[name] != nil }

// Render writes page name with status. It renders into a buffer first, so a
// template error writes nothing but the error returned.
func (r *Renderer) Render(w http.ResponseWriter, status int, name string, p *Page) error {
	t := r.pages[name]
	if t == nil {
		return fmt.Errorf("render: no page %q", name)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "_layout.html", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	csp := CSP
	if len(p.FormTargets) > 0 {
		csp = strings.Replace(CSP, "form-action 'self'", "form-action 'self' "+strings.Join(p.FormTargets, " "), 1)
	}
	h.Set("Content-Security-Policy", csp)
	w.WriteHeader(status)
	_, err := w.Write(b.Bytes())
	return err
}

// Assets serves the embedded assets: "/assets/NAME" serves static/NAME.
func Assets() http.Handler {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.StripPrefix("/assets", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", CSP)
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
