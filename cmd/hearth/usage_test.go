package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestUsageNamesOperands: --help of a command that takes a file after its
// flags names it in the usage line, and exits successfully.
func TestUsageNamesOperands(t *testing.T) {
	for _, tt := range []struct{ cmd, want string }{
		{"restore", "Usage: hearth restore [flags] FILE\n"},
		{"import", "Usage: hearth import [flags] FILE.zip\n"},
		{"backup", "Usage: hearth backup [flags]\n"},
		{"export", "Usage: hearth export [flags]\n"},
	} {
		var out, errOut bytes.Buffer
		err := run(t.Context(), []string{"hearth", tt.cmd, "--help"}, func(string) string { return "" }, nil, &out, &errOut)
		if err != nil {
			t.Errorf("%s --help: %v", tt.cmd, err)
		}
		if !strings.HasPrefix(errOut.String(), tt.want) {
			t.Errorf("%s --help begins %q, want %q", tt.cmd, strings.SplitN(errOut.String(), "\n", 2)[0], tt.want)
		}
	}
}
