package compliance

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	texttemplate "text/template"

	"github.com/hearth-iot/hearth/manifest"
)

//go:embed templates
var templateFS embed.FS

var funcs = map[string]any{
	"statuses": func() []string { return Statuses },
	"strength": func(s string) string { return Strengths[s] },
	"status":   func(s string) string { return strings.ReplaceAll(s, "-", " ") },
	"md":       manifest.MarkdownText,
}

var (
	reportHTML = template.Must(template.New("report.html").Funcs(funcs).ParseFS(templateFS, "templates/report.html"))
	reportMD   = texttemplate.Must(texttemplate.New("report.md").Funcs(funcs).ParseFS(templateFS, "templates/report.md"))
)

// Markdown writes the report as Markdown: a section per requirement. It
// returns the error of writing to w.
func (r Report) Markdown(w io.Writer) error {
	if err := reportMD.Execute(w, r); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return nil
}

// HTML writes the report as an HTML page, a table row per requirement;
// every value is HTML-escaped. It returns the error of writing to w.
func (r Report) HTML(w io.Writer) error {
	if err := reportHTML.Execute(w, r); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return nil
}

// JSON writes the report as indented JSON, the fields of Report. It
// returns the error of writing to w.
func (r Report) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return nil
}
