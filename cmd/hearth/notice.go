package main

import (
	"bufio"
	"fmt"
	"io"

	"github.com/hearth-iot/hearth/manifest"
)

const noticeSummary = `Prints the privacy notice generated from the manifest to stdout: html (the
layered notice), json, text (short, for voice interfaces), child (a
child-friendly page, for products children are likely to use) or terms (the
terms of service, separate from the notice).`

// runNotice runs `hearth notice [--manifest F] [--format F]`.
func runNotice(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg serveConfig
	format := "html"
	fs := newFlagSet("notice", noticeSummary, stderr)
	fs.StringVar(&cfg.Manifest, "manifest", "", "privacy manifest file (default: the embedded example)")
	fs.StringVar(&format, "format", format, "html, json, text, child or terms")
	if err := parseFlags(fs, args, getenv); err != nil {
		return helpOK(err)
	}
	render, ok := noticeFormats[format]
	if !ok {
		return usagef("--format %q: use html, json, text, child or terms", format)
	}
	m, err := cfg.loadManifest()
	if err != nil {
		return err
	}
	w := bufio.NewWriter(stdout)
	if err := render(m, w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write notice: %w", err)
	}
	return nil
}

var noticeFormats = map[string]func(*manifest.Manifest, io.Writer) error{
	"html":  func(m *manifest.Manifest, w io.Writer) error { return manifest.Notice(m).HTML(w) },
	"json":  func(m *manifest.Manifest, w io.Writer) error { return manifest.Notice(m).JSON(w) },
	"text":  func(m *manifest.Manifest, w io.Writer) error { return manifest.Notice(m).Text(w) },
	"child": func(m *manifest.Manifest, w io.Writer) error { return manifest.Notice(m).ChildHTML(w) },
	"terms": func(m *manifest.Manifest, w io.Writer) error { return manifest.Terms(m).HTML(w) },
}
