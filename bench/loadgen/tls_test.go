package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/internal/testcert"
)

// writeCert writes a self-signed P-256 certificate for 127.0.0.1 and its
// key into dir, readable by the user Mosquitto drops to when started as root.
func writeCert(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	cert, key = testcert.New(t).WriteFiles(t, dir, 0o644)
	for _, d := range []string{dir, filepath.Dir(dir)} { // t.TempDir and its parent are 0700
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return cert, key
}

// TestRunOverTLS publishes through Mosquitto's TLS listener with both
// clients, verifying the broker's certificate with --ca, and checks the
// accounting; the lean client also spreads its connections over two
// loopback source addresses.
func TestRunOverTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	broker := startMosquittoWith(t, fmt.Sprintf("certfile %s\nkeyfile %s\n", cert, key))
	broker = "tls://" + broker[len("tcp://"):]
	tests := []struct {
		client string
		extra  []string
	}{
		{clientLean, []string{"--source-addrs", "127.0.0.2,127.0.0.3"}},
		{clientLean, []string{"--tls-groups", "x25519"}},
		{clientPaho, []string{"--tls-groups", "p256"}},
	}
	for _, tt := range tests {
		t.Run(tt.client+strings.Join(tt.extra, " "), func(t *testing.T) {
			sum := runJSON(t, append([]string{"--broker", broker, "--ca", cert, "--client", tt.client, "--devices", "4",
				"--rate", "40", "--duration", "1s", "--warmup", "0s"}, tt.extra...)...)
			if sum.Connected != 4 || sum.Acked != 40 || sum.Errors != 0 || sum.Unacked != 0 {
				t.Errorf("connected, acked, errors, unacked = %d, %d, %d, %d, want 4, 40, 0, 0 (first error %q)",
					sum.Connected, sum.Acked, sum.Errors, sum.Unacked, sum.FirstError)
			}
		})
	}
	t.Run("unknown CA", func(t *testing.T) {
		other, _ := writeCert(t, t.TempDir())
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"--broker", broker, "--ca", other, "--devices", "1"}, &out, &errOut)
		if err == nil {
			t.Errorf("run with a CA that did not sign the broker's certificate: no error")
		}
	})
}
