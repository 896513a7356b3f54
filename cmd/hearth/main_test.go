package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain removes what the end-to-end tests leave in the temporary
// directory: the built binary and the test key files of cleanEnv.
func TestMain(m *testing.M) {
	code := m.Run()
	if configHome != "" {
		os.RemoveAll(configHome)
	}
	if binaryPath != "" {
		os.RemoveAll(filepath.Dir(binaryPath))
	}
	os.Exit(code)
}
