package manifest

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	texttemplate "text/template"
)

//go:embed templates
var templateFS embed.FS

var (
	noticeHTML  = template.Must(template.ParseFS(templateFS, "templates/notice.html"))
	childHTML   = template.Must(template.ParseFS(templateFS, "templates/child.html"))
	termsHTML   = template.Must(template.ParseFS(templateFS, "templates/terms.html"))
	noticeText  = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/notice.txt"))
	recordsHTML = template.Must(template.New("records.html").Funcs(template.FuncMap{"join": joinComma}).ParseFS(templateFS, "templates/records.html"))
	recordsMD   = texttemplate.Must(texttemplate.New("records.md").Funcs(texttemplate.FuncMap{"join": joinComma, "md": MarkdownText}).ParseFS(templateFS, "templates/records.md"))
)

// HTML writes the layered notice as an HTML page: a short summary, then
// sections on who the controller is, what data is used and why, decisions,
// sharing, retention, optional features, rights and support
// (NOTICE-CONTENT, NOTICE-LAYERED). It has no form or consent control
// (NOTICE-SEPARATE). Every value is HTML-escaped. It returns the error of
// writing to w.
func (d NoticeDoc) HTML(w io.Writer) error {
	return execute(w, noticeHTML, d, "render notice")
}

// ChildHTML writes the notice in words a child can follow (NOTICE-AUDIENCE);
// publish it when the manifest's children_likely is true. It returns the
// error of writing to w.
func (d NoticeDoc) ChildHTML(w io.Writer) error {
	return execute(w, childHTML, d, "render child notice")
}

// Text writes a short plain-text notice, one line per item, for voice
// interfaces and small screens (NOTICE-LAYERED). It returns the error of
// writing to w.
func (d NoticeDoc) Text(w io.Writer) error {
	if err := noticeText.Execute(w, d); err != nil {
		return fmt.Errorf("render text notice: %w", err)
	}
	return nil
}

// JSON writes the notice as indented JSON, the fields of NoticeDoc. It
// returns the error of writing to w.
func (d NoticeDoc) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("render JSON notice: %w", err)
	}
	return nil
}

// TermsDoc is the terms of service of a product, separate from its privacy
// notice (NOTICE-SEPARATE), each version with its expected duration
// (TOS-DURATION).
type TermsDoc struct {
	Controller Controller   `json:"controller"`
	Versions   []TermsEntry `json:"versions"`
}

// TermsEntry is one version of the terms as published.
type TermsEntry struct {
	Version          string `json:"version"`
	URL              string `json:"url,omitempty"`
	Text             string `json:"text,omitempty"`
	Effective        string `json:"effective"`
	ExpectedDuration string `json:"expected_duration"` // in words, such as "5 years"
	// Current marks the version with the latest effective date. Whether a
	// person has accepted it is for the consent service (TOS-PERMISSION).
	Current bool `json:"current"`
}

// Terms builds the terms of service document of a parsed manifest. It
// does no I/O and does not read the clock.
func Terms(m *Manifest) TermsDoc {
	d := TermsDoc{Controller: m.Controller}
	cur := -1
	for i, t := range m.Terms {
		if cur < 0 || t.Effective >= m.Terms[cur].Effective {
			cur = i
		}
		d.Versions = append(d.Versions, TermsEntry{Version: t.Version, URL: t.URL, Text: t.Text,
			Effective: t.Effective, ExpectedDuration: HumanPeriod(t.ExpectedDuration)})
	}
	if cur >= 0 {
		d.Versions[cur].Current = true
	}
	return d
}

// HTML writes the terms as an HTML page. It returns the error of writing
// to w.
func (d TermsDoc) HTML(w io.Writer) error {
	return execute(w, termsHTML, d, "render terms")
}

func joinComma(s []string) string { return strings.Join(s, ", ") }

// MarkdownText keeps a value from being read as Markdown, in running text
// or a table cell: it escapes the characters that start emphasis, code,
// links, headings, HTML or a cell, and folds line breaks into spaces.
func MarkdownText(s string) string {
	return mdEscaper.Replace(strings.Join(strings.Fields(s), " "))
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;", "#", `\#`, "|", `\|`)

func execute(w io.Writer, t *template.Template, data any, what string) error {
	if err := t.Execute(w, data); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
