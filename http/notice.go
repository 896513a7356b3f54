package http

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
)

// noticeCSP is the Content-Security-Policy of the notice pages: no
// scripts, the hub's own style sheet only, no forms (NOTICE-SEPARATE: a
// notice holds no consent control), no framing.
const noticeCSP = "default-src 'none'; style-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"

// Notices are the public documents of a product, rendered once from the
// manifest the policy engine enforces, so they cannot drift from it
// (NOTICE-CONTENT): the layered privacy notice as HTML, JSON and plain
// text for voice interfaces, the child-friendly notice when children are
// likely users (NOTICE-LAYERED, NOTICE-AUDIENCE), the terms of service on
// a separate page (NOTICE-SEPARATE). A Notices is read-only and safe for
// concurrent use.
type Notices struct {
	html, json, text, child, terms []byte // child is nil unless children are likely users
	doc                            manifest.NoticeDoc
	manifest                       *manifest.Manifest
}

// NewNotices renders the notices of m. It returns the errors of rendering.
func NewNotices(m *manifest.Manifest) (*Notices, error) {
	d := manifest.Notice(m)
	n := &Notices{doc: d, manifest: m}
	for _, r := range []struct {
		dst    *[]byte
		render func(*bytes.Buffer) error
	}{
		{&n.html, func(b *bytes.Buffer) error { return d.HTML(b) }},
		{&n.json, func(b *bytes.Buffer) error { return d.JSON(b) }},
		{&n.text, func(b *bytes.Buffer) error { return d.Text(b) }},
		{&n.terms, func(b *bytes.Buffer) error { return manifest.Terms(m).HTML(b) }},
	} {
		var b bytes.Buffer
		if err := r.render(&b); err != nil {
			return nil, fmt.Errorf("render notices: %w", err)
		}
		*r.dst = b.Bytes()
	}
	if m.ChildrenLikely {
		var b bytes.Buffer
		if err := d.ChildHTML(&b); err != nil {
			return nil, fmt.Errorf("render notices: %w", err)
		}
		n.child = b.Bytes()
	}
	n.html = inHub(n.html, "/privacy", n.child != nil)
	n.terms = inHub(n.terms, "/terms", n.child != nil)
	if n.child != nil {
		n.child = inHub(n.child, "/privacy/children", true)
	}
	return n, nil
}

// inHub puts a rendered HTML notice in the privacy hub's look: the hub's
// style sheet, a skip link and a header linking the notice's layers, the
// page at path marked current. The header has no form and no script, so
// the notice keeps its strict policy (noticeCSP).
func inHub(doc []byte, path string, child bool) []byte {
	links := []struct{ href, text string }{{"/privacy/hub", "Privacy hub"}, {"/privacy", "Privacy notice"}}
	if child {
		links = append(links, struct{ href, text string }{"/privacy/children", "For children"})
	}
	links = append(links, struct{ href, text string }{"/terms", "Terms"}, struct{ href, text string }{"/", "Home"})
	var h bytes.Buffer
	h.WriteString("<body>\n<a class=\"skip\" href=\"#main\">Skip to the content</a>\n<header class=\"top\">\n  <a class=\"brand\" href=\"/\">Hearth</a>\n  <nav aria-label=\"Main\">\n    <ul>")
	for _, l := range links {
		current := ""
		if l.href == path {
			current = ` aria-current="page"`
		}
		fmt.Fprintf(&h, "\n      <li><a href=\"%s\"%s>%s</a></li>", l.href, current, l.text)
	}
	h.WriteString("\n    </ul>\n  </nav>\n</header>\n<main id=\"main\" class=\"notice\">")
	doc = bytes.Replace(doc, []byte("</head>"), []byte("<link rel=\"stylesheet\" href=\"/assets/app.css\">\n</head>"), 1)
	return bytes.Replace(doc, []byte("<body>\n<main>"), h.Bytes(), 1)
}

// Doc returns the notice as built from the manifest, for the hub's pages.
func (n *Notices) Doc() manifest.NoticeDoc { return n.doc }

// Manifest returns the manifest the notices were rendered from: the one
// the policy engine enforces.
func (n *Notices) Manifest() *manifest.Manifest { return n.manifest }

// document serves one rendered document with its content type. A nil body
// answers 404 with msg.
func (s *server) document(body func() []byte, contentType, msg string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := body()
		if b == nil {
			s.writeError(w, r, hearth.Errorf(hearth.ENOTFOUND, "%s", msg))
			return
		}
		w.Header().Set("Content-Security-Policy", noticeCSP)
		w.Header().Set("Content-Type", contentType)
		w.Write(b)
	})
}

// notices returns the rendered notices, or an empty set when the server
// runs without them (every page then answers 404).
func (s *server) notices() *Notices {
	if s.Notices == nil {
		return &Notices{}
	}
	return s.Notices
}

func (s *server) handlePrivacyHTML() http.Handler {
	return s.document(func() []byte { return s.notices().html }, "text/html; charset=utf-8", "no privacy notice is served here")
}

func (s *server) handlePrivacyJSON() http.Handler {
	return s.document(func() []byte { return s.notices().json }, "application/json", "no privacy notice is served here")
}

func (s *server) handlePrivacyText() http.Handler {
	return s.document(func() []byte { return s.notices().text }, "text/plain; charset=utf-8", "no privacy notice is served here")
}

func (s *server) handlePrivacyChildren() http.Handler {
	return s.document(func() []byte { return s.notices().child }, "text/html; charset=utf-8",
		"this product is not meant for children, so it has no children's notice; see /privacy")
}

func (s *server) handleTermsHTML() http.Handler {
	return s.document(func() []byte { return s.notices().terms }, "text/html; charset=utf-8", "no terms are served here")
}
