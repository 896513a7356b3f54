package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"time"

	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/examples"
	httpapi "github.com/hearth-iot/hearth/http"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/mqtt"
)

// serveConfig is the configuration of the server, from flags and HEARTH_*
// environment variables.
type serveConfig struct {
	Data string // data directory (SQLite); unused with Store
	// Store is the PostgreSQL URL of the data database (postgres://…);
	// "" keeps the data in SQLite in Data. KeysStore is the key
	// database's URL; "" is postgres.KeysURL(Store).
	Store     string
	KeysStore string
	HTTP      string // HTTP listen address
	MQTT      string // MQTT listen address
	Manifest  string // manifest file; "" for the embedded example
	KEK       string // key-encryption key file; "" for the default (see kekFile)
	TLSCert   string
	TLSKey    string
	Insecure  bool
	LogLevel  string
	// Recipients is the recipients file: per recipient, the erasure
	// webhook's URL and secret (see package webhook); "" sends no notices.
	Recipients string
	// The MQTT gateway's limits (mqtt.Config); MQTTMaxConns 0 is the
	// default derived from the open-file limit.
	MQTTMaxConns          int
	MQTTMaxPendingPerAddr int
	MQTTConnectTimeout    time.Duration
	// The HTTP server's limits (SEC-BRUTE): connections open at once and
	// the time from accept to the end of a request body.
	HTTPMaxConns    int
	HTTPReadTimeout time.Duration
	// TrustedProxies lists, comma-separated, the addresses or networks
	// (CIDR) of reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed; see http.Config.TrustedProxies.
	TrustedProxies string
	// ProxyProtocol lists, comma-separated, the addresses or networks of
	// TCP load balancers that send a PROXY protocol header on the MQTT
	// and HTTP listeners (proxyprotocol.go).
	ProxyProtocol string
	// MetricsAddr, if set, is a separate listen address serving only
	// /metrics; MetricsToken, if set, is the bearer token /metrics on the
	// API address requires. With neither, /metrics is not served.
	MetricsAddr  string
	MetricsToken string
	// FirmwareKeys is the file of trusted firmware public keys (PEM) an
	// operator's release upload is checked with; "" accepts none.
	FirmwareKeys string
	// Disclosure configures security.txt and the disclosure policy
	// (SEC-VDP; disclosure.go).
	Disclosure disclosureConfig
	// WebAuthnOrigin is the URL people reach the server at, for passkeys
	// (auth.NewWebAuthn); "" takes --public-url's (webauthnOrigin).
	WebAuthnOrigin string
	// Audit configures the audit log's anchoring (auditserve.go).
	Audit auditConfig
}

// defaultServeConfig returns the defaults: loopback addresses, ./hearth-data.
func defaultServeConfig() serveConfig {
	return serveConfig{Data: "hearth-data", HTTP: "127.0.0.1:8080", MQTT: "127.0.0.1:1883", LogLevel: "info",
		MQTTMaxPendingPerAddr: mqtt.DefaultMaxPendingPerAddr, MQTTConnectTimeout: mqtt.DefaultConnectTimeout,
		HTTPMaxConns: httpapi.DefaultMaxConns, HTTPReadTimeout: httpapi.DefaultReadTimeout,
		Disclosure: defaultDisclosureConfig(), Audit: auditConfig{AnchorInterval: time.Hour}}
}

// register defines the server's flags on fs, with c's values as defaults.
func (c *serveConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Data, "data", c.Data, "data directory: hearth.db and keys.db (created if missing); unused with --store")
	c.registerStore(fs)
	fs.StringVar(&c.HTTP, "http", c.HTTP, "HTTP listen address, host:port (port 0 picks a free port)")
	fs.StringVar(&c.MQTT, "mqtt", c.MQTT, "MQTT listen address, host:port (port 0 picks a free port)")
	fs.IntVar(&c.MQTTMaxConns, "mqtt-max-conns", c.MQTTMaxConns, "most MQTT connections open at once, devices and connections before CONNECT; over it a new connection is closed at once (0: the open-file limit minus 1,024, at least 64)")
	fs.IntVar(&c.MQTTMaxPendingPerAddr, "mqtt-max-pending-per-addr", c.MQTTMaxPendingPerAddr, "most MQTT connections from one IP address (IPv6: one /64 network) that have not completed CONNECT")
	fs.DurationVar(&c.MQTTConnectTimeout, "mqtt-connect-timeout", c.MQTTConnectTimeout, "time an MQTT connection has from accept to a valid CONNECT, TLS handshake included")
	fs.IntVar(&c.HTTPMaxConns, "http-max-conns", c.HTTPMaxConns, "most HTTP connections open at once; more wait to be accepted until one closes")
	fs.DurationVar(&c.HTTPReadTimeout, "http-read-timeout", c.HTTPReadTimeout, "time an HTTP request has from accept to the end of its body, headers at most 10s of it (1s to 1h; an archive import by a signed-in person gets 1h)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "comma-separated addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For gives the client address and whose X-Forwarded-Proto: https means TLS (Secure cookies, HSTS) (default: none)")
	c.registerProxy(fs)
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "separate listen address, host:port, serving only /metrics (default: none)")
	fs.StringVar(&c.MetricsToken, "metrics-token", c.MetricsToken, "bearer token /metrics on the HTTP address requires, at least 32 characters; prefer the environment variable (default: none; without it or --metrics-addr, /metrics is not served)")
	fs.StringVar(&c.Manifest, "manifest", c.Manifest, "privacy manifest file, YAML or JSON (default: the embedded example thermostat manifest)")
	fs.StringVar(&c.KEK, "kek", c.KEK, kekFlagUsage)
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "TLS certificate file (PEM) for HTTPS and MQTT over TLS; needs --tls-key")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "TLS private key file (PEM); needs --tls-cert")
	fs.BoolVar(&c.Insecure, "insecure", c.Insecure, "allow plaintext HTTP and MQTT on a non-loopback address (only behind a TLS-terminating proxy)")
	fs.StringVar(&c.Recipients, "recipients", c.Recipients, "recipients file, mode 0600: one line per manifest recipient, \"<recipient-id> <url or -> <secret>\", for signed erasure notices (default: none configured; notices stay 'unconfigured')")
	fs.StringVar(&c.FirmwareKeys, "firmware-keys", c.FirmwareKeys, "trusted firmware public keys file (PEM, from hearth firmware keygen) that releases uploaded to the operator API must be signed with (default: none; uploads are refused)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn or error")
	c.Disclosure.register(fs)
	c.Audit.register(fs)
	fs.StringVar(&c.WebAuthnOrigin, "webauthn-origin", c.WebAuthnOrigin, "the URL people reach the server at, such as https://hearth.example.org, for passkeys (default: the scheme and host of --public-url; neither: passkeys off)")
}

// check validates the configuration; every problem is a usageError.
func (c *serveConfig) check() error {
	if err := c.checkStore(); err != nil {
		return err
	}
	if err := c.Audit.check(); err != nil {
		return err
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return usagef("--tls-cert and --tls-key: give both or neither")
	}
	addrs := []struct{ flag, addr string }{{"--http", c.HTTP}, {"--mqtt", c.MQTT}}
	if c.MetricsAddr != "" {
		addrs = append(addrs, struct{ flag, addr string }{"--metrics-addr", c.MetricsAddr})
	}
	for _, a := range addrs {
		if err := c.checkAddr(a.flag, a.addr); err != nil {
			return err
		}
	}
	if err := c.checkHTTPLimits(); err != nil {
		return err
	}
	if origin := c.webauthnOrigin(); origin != "" {
		if _, err := auth.NewWebAuthn(origin, auth.DefaultIssuer); err != nil {
			return usagef("--webauthn-origin: %v", err)
		}
	}
	if err := c.checkMQTTLimits(); err != nil {
		return err
	}
	if err := c.checkProxy(); err != nil {
		return err
	}
	return c.Disclosure.check(c.HTTP, c.TLSCert != "")
}

// minMetricsToken is the shortest --metrics-token accepted.
const minMetricsToken = 32

// checkHTTPLimits checks the HTTP server's limits, the trusted proxies and
// the metrics token.
func (c *serveConfig) checkHTTPLimits() error {
	switch {
	case c.HTTPMaxConns < 1:
		return usagef("--http-max-conns %d: give a number of connections, at least 1", c.HTTPMaxConns)
	case c.HTTPReadTimeout < time.Second || c.HTTPReadTimeout > time.Hour:
		return usagef("--http-read-timeout %s: give a duration from 1s to 1h, such as 1m", c.HTTPReadTimeout)
	case c.MetricsToken != "" && len(c.MetricsToken) < minMetricsToken:
		return usagef("--metrics-token: give at least %d characters, such as the output of `openssl rand -hex 32`", minMetricsToken)
	}
	if _, err := c.trustedProxies(); err != nil {
		return err
	}
	return nil
}

// trustedProxies parses --trusted-proxies: addresses or CIDR networks,
// comma-separated.
func (c *serveConfig) trustedProxies() ([]netip.Prefix, error) {
	return parseNetworks("--trusted-proxies", c.TrustedProxies)
}

// webauthnOrigin is the origin passkeys are bound to: --webauthn-origin,
// else the scheme and host of --public-url, else "" (passkeys off).
func (c *serveConfig) webauthnOrigin() string {
	if c.WebAuthnOrigin != "" {
		return c.WebAuthnOrigin
	}
	u, err := url.Parse(c.Disclosure.PublicURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// checkMQTTLimits checks the MQTT gateway's limits.
func (c *serveConfig) checkMQTTLimits() error {
	switch {
	case c.MQTTMaxConns < 0:
		return usagef("--mqtt-max-conns %d: give a number of connections, at least 1, or 0 for the default", c.MQTTMaxConns)
	case c.MQTTMaxPendingPerAddr < 1:
		return usagef("--mqtt-max-pending-per-addr %d: give a number of connections, at least 1", c.MQTTMaxPendingPerAddr)
	case c.MQTTConnectTimeout < time.Second || c.MQTTConnectTimeout > 10*time.Minute:
		return usagef("--mqtt-connect-timeout %s: give a duration from 1s to 10m, such as 10s", c.MQTTConnectTimeout)
	}
	return nil
}

// checkAddr checks a listen address, and refuses plaintext on a
// non-loopback address unless --insecure is given (secure by default).
func (c *serveConfig) checkAddr(flagName, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return usagef("%s %q: give host:port, such as 127.0.0.1:8080", flagName, addr)
	}
	if c.TLSCert != "" || c.Insecure || isLoopback(host) {
		return nil
	}
	return usagef("%s %q: refusing plaintext on a non-loopback address; give --tls-cert and --tls-key, or --insecure if a TLS-terminating proxy is in front", flagName, addr)
}

// isLoopback reports whether host is a loopback name or address. An empty
// host (all interfaces) is not.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// tlsConfig loads the certificate, or returns nil when TLS is off.
func (c *serveConfig) tlsConfig() (*tls.Config, error) {
	if c.TLSCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("load TLS certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// loadManifest loads the manifest file, or the embedded example, and
// refuses one with any problem of structure or of the lint rules.
func (c *serveConfig) loadManifest() (*manifest.Manifest, error) {
	name, data := examples.ThermostatName, examples.Thermostat
	if c.Manifest != "" {
		var err error
		if data, err = os.ReadFile(c.Manifest); err != nil {
			return nil, fmt.Errorf("read manifest: %w", err)
		}
		name = c.Manifest
	}
	m, ps := manifest.Check(name, data) // warnings alone do not stop it
	if m == nil {
		return nil, fmt.Errorf("the manifest has problems; fix them and start again:\n%w", ps)
	}
	return m, nil
}
