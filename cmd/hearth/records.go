package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/hearth-iot/hearth/manifest"
)

const recordsSummary = `Prints the record of processing activities (UK GDPR Art 30: controller,
purposes, categories of data and of people, recipients with their roles,
transfers, retention, safeguards) and a DPIA screening (which high-risk
criteria the manifest meets, each with the manifest fact that meets it),
generated from the manifest, as Markdown (md) or HTML (html), to stdout or
to --out.`

// runRecords runs `hearth records [--manifest F] [--format md|html] [--out FILE]` (RECORDS).
func runRecords(args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	var cfg serveConfig
	format, out := "md", ""
	fs := newFlagSet("records", recordsSummary, stderr)
	fs.StringVar(&cfg.Manifest, "manifest", "", "privacy manifest file (default: the embedded example)")
	fs.StringVar(&format, "format", format, "md or html")
	fs.StringVar(&out, "out", "", "write to this file instead of stdout")
	if err := parseFlags(fs, args, getenv); err != nil {
		return helpOK(err)
	}
	var render func(manifest.RecordsDoc, io.Writer) error
	switch format {
	case "md":
		render = manifest.RecordsDoc.Markdown
	case "html":
		render = manifest.RecordsDoc.HTML
	default:
		return usagef("--format %q: use md or html", format)
	}
	m, err := cfg.loadManifest()
	if err != nil {
		return err
	}
	dst := stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return fmt.Errorf("records: %w", err)
		}
		defer func() {
			if cerr := f.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("records: %w", cerr)
			}
		}()
		dst = f
	}
	w := bufio.NewWriter(dst)
	if err := render(manifest.Records(m), w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write records: %w", err)
	}
	return nil
}
