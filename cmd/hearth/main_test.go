package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hearth-iot/hearth/internal/pgtest"
)

// TestMain runs the tests, stops the PostgreSQL test cluster if a test
// started one (pgtest), and removes what the end-to-end tests leave in the
// temporary directory: the built binary and the test key files of cleanEnv.
func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	if configHome != "" {
		os.RemoveAll(configHome)
	}
	if binaryPath != "" {
		os.RemoveAll(filepath.Dir(binaryPath))
	}
	os.Exit(code)
}
