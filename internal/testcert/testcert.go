// Package testcert makes self-signed TLS certificates for 127.0.0.1, for
// tests that run real TLS servers and clients (Go's, OpenSSL's in
// Mosquitto and its clients).
package testcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Cert is a self-signed P-256 certificate for 127.0.0.1, valid from an
// hour ago for a day; it is its own CA, so OpenSSL accepts it as a CA file.
type Cert struct {
	TLS  tls.Certificate // for a tls.Config's Certificates
	Pool *x509.CertPool  // a pool that trusts it, for a client's RootCAs
	PEM  []byte          // the certificate, PEM-encoded
	Key  []byte          // its private key, PEM-encoded (EC PRIVATE KEY)
}

// New makes a Cert, failing t if it cannot.
func New(t testing.TB) *Cert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("testcert: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("testcert: %v", err)
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("testcert: %v", err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatalf("testcert: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(parsed)
	return &Cert{
		TLS:  tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: parsed},
		Pool: pool,
		PEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		Key:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}),
	}
}

// WriteFiles writes the certificate and the key as cert.pem and key.pem
// in dir with mode perm, and returns their paths.
func (c *Cert) WriteFiles(t testing.TB, dir string, perm os.FileMode) (certFile, keyFile string) {
	t.Helper()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, c.PEM, perm); err != nil {
		t.Fatalf("testcert: %v", err)
	}
	if err := os.WriteFile(keyFile, c.Key, perm); err != nil {
		t.Fatalf("testcert: %v", err)
	}
	return certFile, keyFile
}
