package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCert writes a self-signed P-256 certificate for 127.0.0.1 and its
// key into dir, readable by the user Mosquitto drops to when started as root.
func writeCert(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for path, b := range map[string]*pem.Block{cert: {Type: "CERTIFICATE", Bytes: der}, key: {Type: "EC PRIVATE KEY", Bytes: kder}} {
		if err := os.WriteFile(path, pem.EncodeToMemory(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
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
