// Package http serves Hearth's HTTP API: accounts and sessions, households,
// members and devices, the reading API, device ingestion over HTTP, and the
// operational endpoints /healthz and /metrics.
//
// It is thin: each handler decodes a request, calls a service, and encodes
// the result. Errors are RFC 9457 problem documents; the status comes from
// the *hearth.Error code (see statusOf).
package http

import (
	"context"
	"crypto/ed25519"
	"crypto/subtle"
	"github.com/hearth-iot/hearth/analytics"
	"io"
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/audit"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/compliance"
	"github.com/hearth-iot/hearth/consent"
	"github.com/hearth-iot/hearth/disclosure"
	"github.com/hearth-iot/hearth/erasure"
	"github.com/hearth-iot/hearth/export"
	"github.com/hearth-iot/hearth/firmware/updates"
	"github.com/hearth-iot/hearth/household"
	"github.com/hearth-iot/hearth/http/web"
	"github.com/hearth-iot/hearth/ingest"
	"github.com/hearth-iot/hearth/lifecycle"
	"github.com/hearth-iot/hearth/metrics"
	"github.com/hearth-iot/hearth/notify"
	"github.com/hearth-iot/hearth/oauth"
	"github.com/hearth-iot/hearth/rights"
	"github.com/hearth-iot/hearth/subject"
)

// Ingester authenticates devices and ingests their readings;
// *ingest.Service satisfies it.
type Ingester interface {
	AuthenticateDevice(ctx context.Context, deviceID, secret string) (*hearth.Device, error)
	Ingest(ctx context.Context, dev *hearth.Device, transport string, payload []byte) (ingest.Result, error)
}

// Config holds the server's dependencies. Auth, Households and Ingest are
// required. A nil Metrics counts into an unregistered set; a nil
// MetricsHandler serves 404 at /metrics; a nil Logger discards; a nil Health
// always reports healthy. SecureCookies sets the Secure attribute on the
// session cookie: turn it on whenever the server is reached over HTTPS
// (a request that came over TLS, directly or through a trusted proxy, gets
// it anyway).
type Config struct {
	Auth           *auth.Service
	Households     *household.Service
	Ingest         Ingester
	Metrics        *metrics.Metrics
	MetricsHandler http.Handler
	Logger         *slog.Logger
	SecureCookies  bool
	Health         func(ctx context.Context) error
	// Notify serves notifications and terms of service acceptance; nil
	// makes those routes answer 404.
	Notify *notify.Service
	// Notices are the rendered privacy notice and terms (NewNotices); nil
	// makes those pages answer 404.
	Notices *Notices
	// Disclosure is security.txt and the vulnerability disclosure policy
	// (SEC-VDP); nil makes those pages answer 404.
	Disclosure *disclosure.Documents
	// PublicURL is the server's address as people reach it (--public-url,
	// such as https://hearth.example): the privacy hub's QR code links to
	// the notice under it. "" uses the host each request names.
	PublicURL string
	// Consents serves the consent API and Subjects the settings and
	// feature switches (and authorises both); if either is nil those
	// routes answer 404.
	Consents *consent.Service
	Subjects *subject.Cache
	// Exports serves people's exports and imports; nil makes those routes
	// answer 404.
	Exports *export.Service
	// Erasure serves erasure, periodic deletion and account closure; nil
	// makes those routes answer 404.
	Erasure *erasure.Service
	// Rights records and serves rights requests; nil makes those routes
	// answer 404.
	Rights *rights.Service
	// TrustedProxies are the networks of reverse proxies whose
	// X-Forwarded-For and X-Forwarded-Proto headers are believed: the
	// client address for per-address limits, and whether the request came
	// over TLS (Secure cookies, HSTS). Empty: no proxy is trusted and the
	// client is the TCP peer.
	TrustedProxies []netip.Prefix
	// MetricsToken, when set, is the bearer token /metrics requires; the
	// metrics are then served only to a request that carries it.
	MetricsToken string
	// Updates serves firmware updates and support periods; nil makes
	// those routes answer 404 and device views leave out their support
	// period. FirmwareKeys are the keys an operator's release upload must
	// be signed with.
	Updates      *updates.Service
	FirmwareKeys []ed25519.PublicKey
	// Events takes the events devices report (POST
	// /v1/devices/{id}/events); nil makes that route answer 404.
	Events EventReceiver
	// Lifecycle transfers, resets and switches devices; nil makes those
	// routes answer 404.
	Lifecycle *lifecycle.Service
	// Audit records every successful call of a route touching personal
	// data, and every operator route, in the audit log (auditTable), and
	// serves people the accesses to their data; nil records nothing and
	// makes the accesses routes answer 404.
	Audit *audit.Logger
	// Chains is what the server found of each hash chain at start
	// ("consent", "audit" → "intact", "broken" or "unverified"); /healthz
	// reports it. nil reports nothing.
	Chains map[string]string
	// OAuth is the OAuth 2 authorization server for third-party clients
	// (INT-CLIENTS); nil makes its routes answer 404 and refuses access
	// tokens.
	OAuth *oauth.Server
	// Analytics answers operators' differentially private queries
	// (PET-DP); nil makes those routes and the console page answer 404.
	Analytics *analytics.Service
	// Report builds the compliance report of this instance, verifying its
	// chains (RECORDS); nil makes GET /v1/operator/report and the
	// console's report page answer 404.
	Report func(ctx context.Context) (compliance.Report, error)
}

// server carries the dependencies every handler maker uses.
type server struct {
	Config
	csrf  *http.CrossOriginProtection
	pages *web.Renderer
	// apiPatterns and pagePatterns are the mux patterns routes registered:
	// the API's (in the OpenAPI document, see package http/openapi) and the
	// web pages'.
	apiPatterns, pagePatterns []string
}

// NewServer returns the API handler. It is safe for concurrent use.
func NewServer(cfg Config) http.Handler {
	_, h := newServer(cfg)
	return h
}

// newServer returns the server and its handler.
func newServer(cfg Config) (*server, http.Handler) {
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.NewUnregistered()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.MetricsHandler == nil {
		cfg.MetricsHandler = http.NotFoundHandler()
	}
	if cfg.Health == nil {
		cfg.Health = func(context.Context) error { return nil }
	}
	pages, err := web.Parse()
	if err != nil {
		panic(err) // the templates are embedded: a parse error is a build defect, caught by every test
	}
	s := &server{Config: cfg, csrf: http.NewCrossOriginProtection(), pages: pages}
	mux := http.NewServeMux()
	s.routes(mux)
	return s, securityHeaders(s.hsts(s.unrouted(mux)))
}

// securityHeaders sets headers every response carries: no MIME sniffing,
// no caching of API responses, no framing, no referrer.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

// metricsGuard serves h only to a request with "Authorization: Bearer
// <MetricsToken>" when a token is configured (401 otherwise, compared in
// constant time), and to anyone when none is.
func (s *server) metricsGuard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.MetricsToken != "" && subtle.ConstantTimeCompare([]byte(bearer(r)), []byte(s.MetricsToken)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			s.writeError(w, r, hearth.Errorf(hearth.EUNAUTHORIZED, "send the metrics token in an Authorization: Bearer header"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status code written, for metrics.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
