// Command evidence writes compliance/evidence.json: for each requirement ID
// of compliance/requirements.md, the tests that cite it (in their doc
// comment, a comment inside them, or a string in them). It fails, listing
// them, when a test cites an ID that requirements.md does not have.
//
// Run it from the module root, after adding or changing citations in
// tests:
//
//	go generate ./compliance
//	go run ./compliance/cmd/evidence   # the same
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/hearth-iot/hearth/compliance"
)

func main() {
	root := flag.String("root", ".", "the module root, whose *_test.go files are read")
	out := flag.String("out", "compliance/evidence.json", "the file to write")
	flag.Parse()
	ev, unknown, err := compliance.ScanEvidence(*root, compliance.Requirements())
	if err != nil {
		fmt.Fprintln(os.Stderr, "evidence:", err)
		os.Exit(1)
	}
	if len(unknown) > 0 {
		for _, c := range unknown {
			fmt.Fprintln(os.Stderr, c)
		}
		os.Exit(1)
	}
	if err := os.WriteFile(*out, ev.JSON(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "evidence:", err)
		os.Exit(1)
	}
}
