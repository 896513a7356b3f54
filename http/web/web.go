// Package web serves Hearth's web page: a small, dependency-free page that
// signs a person in and shows their households, members, devices and
// readings. It uses only the public API, with the session cookie, so a
// third-party client can do everything it does (INT-SAME-SCOPE).
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// CSP is the Content-Security-Policy of the page: its own script and style
// only, no inline code, no framing.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Handler returns the handler for the page and its assets: "/" serves
// index.html, "/assets/NAME" serves the named asset. It is safe for
// concurrent use.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("Cache-Control", "no-cache")
		if r.URL.Path == "/" {
			http.ServeFileFS(w, r, sub, "index.html")
			return
		}
		http.StripPrefix("/assets", files).ServeHTTP(w, r)
	})
}
