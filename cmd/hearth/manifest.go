package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hearth-iot/hearth/manifest"
)

const manifestUsage = `Usage: hearth manifest lint FILE...

Checks privacy manifests: their structure and the rules of Hearth's
requirements (lawful basis, Art 9 conditions, consent, defaults for
children, retention, ...). Prints every problem as file:line: field: problem.
Exits 0 when every file is clean, 1 when any has problems, 2 on a bad
command line.
`

// errProblems reports that manifest lint found problems (already printed).
var errProblems = errors.New("the manifest has problems")

// runManifest runs `hearth manifest SUBCOMMAND`.
func runManifest(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprint(stderr, manifestUsage)
		if len(args) == 0 {
			return usagef("manifest: no subcommand given")
		}
		return nil
	}
	if args[0] != "lint" {
		fmt.Fprint(stderr, manifestUsage)
		return usagef("manifest: unknown subcommand %q", args[0])
	}
	files := args[1:]
	for _, f := range files {
		if f == "--help" || f == "-help" || f == "-h" {
			fmt.Fprint(stdout, manifestUsage)
			return nil
		}
		if strings.HasPrefix(f, "-") {
			fmt.Fprint(stderr, manifestUsage)
			return usagef("manifest lint: unknown flag %s", f)
		}
	}
	if len(files) == 0 {
		fmt.Fprint(stderr, manifestUsage)
		return usagef("manifest lint: give at least one FILE")
	}
	return lintFiles(files, stdout)
}

// lintFiles lints every file, printing all problems of all files.
func lintFiles(files []string, stdout io.Writer) error {
	bad := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(stdout, "%s: cannot read: %v\n", f, errors.Unwrap(err))
			bad++
			continue
		}
		m, ps := manifest.Check(f, data)
		if len(ps) > 0 {
			fmt.Fprintln(stdout, ps.Error())
		}
		if m == nil {
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("%w: %d of %d files", errProblems, bad, len(files))
	}
	return nil
}
