package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// version is the release version, set at build time with
// -ldflags "-X main.version=v1.2.3"; "dev" otherwise.
var version = "dev"

// runVersion prints the version, the VCS revision the binary was built
// from, if known, and the Go version.
func runVersion(stdout io.Writer) error {
	rev, goVersion := "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				rev = s.Value
			}
		}
	}
	_, err := fmt.Fprintf(stdout, "hearth %s (revision %s, %s)\n", version, rev, goVersion)
	return err
}
