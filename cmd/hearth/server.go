package main

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/compliance"
	"github.com/hearth-iot/hearth/disclosure"
	"github.com/hearth-iot/hearth/erasure"
	httpapi "github.com/hearth-iot/hearth/http"
	"github.com/hearth-iot/hearth/ingest"
	"github.com/hearth-iot/hearth/lifecycle"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/metrics"
	"github.com/hearth-iot/hearth/mqtt"
	"github.com/hearth-iot/hearth/notify"
	"github.com/hearth-iot/hearth/oauth"
)

// pgIngestWriters is how many group commits a node on PostgreSQL keeps in
// flight at once (ingest.Config.Writers), so that commits to a database
// across a network do not wait for each other's round trips. That gain is
// not measured: on one 2-core machine with PostgreSQL on the same host,
// four writers stored no more than one and used more of PostgreSQL's CPU
// per reading (BENCHMARKS.md, issue 16).
const pgIngestWriters = 4

// shutdownTimeout bounds a graceful shutdown.
const shutdownTimeout = 30 * time.Second

// server is a running Hearth: the core, the ingestion service, the broker
// and the HTTP server.
type server struct {
	*core
	log     *slog.Logger
	ingest  *ingest.Service
	broker  *mqtt.Broker
	httpSrv *http.Server
	// metricsSrv serves /metrics on --metrics-addr; nil without it.
	metricsSrv *http.Server
	httpURL    string // http(s)://host:port
	// metricsURL is the /metrics URL on --metrics-addr; "" without it.
	metricsURL string
	mqttURL    string // mqtt(s)://host:port
	httpDone   chan error
	notify     *notify.Service  // notifications and terms; see changes.go
	notices    *httpapi.Notices // rendered once, from the manifest enforced
	// disclosure is security.txt and the disclosure policy (SEC-VDP).
	disclosure *disclosure.Documents
	// publicURL is --public-url, "" when not given: the privacy hub's QR
	// code then names the host each request named.
	publicURL string
	erasure   *erasure.Service // see erasure.go
	// lifecycle transfers, resets and switches devices (devicelife.go).
	lifecycle *lifecycle.Service
	// stopJobs stops the scheduled jobs (jobs.go): retention, erasure
	// notices, device log pruning, the support-period pass.
	stopJobs func()
	// firmwareKeys are the trusted firmware keys (--firmware-keys);
	// stopUpdates stops the firmware delivery pass.
	firmwareKeys []ed25519.PublicKey
	stopUpdates  func()
	// chains is what the start-up verification found of each hash chain
	// ("consent", "audit"): "intact", "broken" or "unverified" (auditserve.go); set
	// before the server listens. stopAnchor stops the anchoring of the
	// audit log's head (--audit-anchor) after writing a last anchor.
	chains     map[string]string
	stopAnchor func()
	// oauth is the OAuth 2 authorization server for third-party clients
	// (oauth.go).
	oauth *oauth.Server
	// facts are what the configuration shows for the compliance report
	// (report.go); the chains are verified per report.
	facts compliance.Facts
}

// startServer opens the data directory and starts ingestion, the broker
// and the HTTP server, then prints the two listening lines to stdout. On
// error, everything started is stopped again.
func startServer(cfg serveConfig, m *manifest.Manifest, log *slog.Logger, stdout io.Writer) (*server, error) {
	tlsCfg, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	met := metrics.New(reg)
	c, err := openCore(cfg, m, met, log)
	if err != nil {
		return nil, err
	}
	s := &server{core: c, log: log}
	if s.firmwareKeys, err = cfg.loadFirmwareKeys(); err != nil {
		c.close(log)
		return nil, err
	}
	s.verifyChains(context.Background(), stdout)
	if err := s.startAnchor(cfg.Audit); err != nil {
		c.close(log)
		return nil, err
	}
	if s.facts, err = configFacts(cfg, m); err != nil {
		c.close(log)
		return nil, err
	}
	if err := s.startNotify(context.Background()); err != nil {
		c.close(log)
		return nil, err
	}
	if err := s.startErasure(context.Background(), cfg); err != nil {
		c.close(log)
		return nil, err
	}
	if err := s.startLifecycle(); err != nil {
		c.close(log)
		return nil, err
	}
	if s.oauth, err = newOAuth(context.Background(), c); err != nil {
		c.close(log)
		return nil, err
	}
	writers := 1 // SQLite has one writer
	if c.pg != nil {
		writers = pgIngestWriters
	}
	s.ingest = ingest.New(ingest.Config{Store: c.store, Keys: c.keys, Manifest: m, Metrics: met, Logger: log,
		Policy: c.privacy.policy, Subjects: c.privacy.subjects, Writers: writers})
	s.ingest.Start()
	if err := s.listen(cfg, tlsCfg, promhttp.HandlerFor(reg, promhttp.HandlerOpts{})); err != nil {
		s.shutdown(context.Background())
		return nil, err
	}
	if err := s.startUpdates(); err != nil {
		s.shutdown(context.Background())
		return nil, err
	}
	s.startJobs()
	fmt.Fprintf(stdout, "hearth: http listening on %s\n", s.httpURL)
	fmt.Fprintf(stdout, "hearth: mqtt listening on %s\n", s.mqttURL)
	if s.metricsURL != "" {
		fmt.Fprintf(stdout, "hearth: metrics on %s\n", s.metricsURL)
	}
	log.Info("hearth started", "version", version, "http", s.httpURL, "mqtt", s.mqttURL, "tls", tlsCfg != nil)
	return s, nil
}

// listen starts the broker and the HTTP server.
func (s *server) listen(cfg serveConfig, tlsCfg *tls.Config, metricsHandler http.Handler) error {
	lbs, err := cfg.proxyProtocol()
	if err != nil {
		return err
	}
	mcfg := mqtt.Config{Addr: cfg.MQTT, TLS: tlsCfg, Ingest: s.ingest, Events: s.events, Metrics: s.metrics, Logger: s.log,
		MaxConnections: cfg.MQTTMaxConns, MaxPendingPerAddr: cfg.MQTTMaxPendingPerAddr, ConnectTimeout: cfg.MQTTConnectTimeout,
		ProxyProtocol: lbs}
	if s.cluster != nil {
		mcfg.SessionStarted = s.cluster.sessionStarted
	}
	b, err := mqtt.New(mcfg)
	if err != nil {
		return fmt.Errorf("start mqtt broker: %w", err)
	}
	if err := s.cluster.start(context.Background(), b); err != nil { // before devices connect
		return err
	}
	if err := b.Start(); err != nil {
		return fmt.Errorf("start mqtt broker: %w", err)
	}
	s.broker = b
	s.commander.set(clusterCommander{local: b, cl: s.cluster})
	disconnect := b.Disconnect
	s.disconnect.Store(&disconnect)
	s.mqttURL = scheme("mqtt", tlsCfg) + "://" + b.Addr().String()
	ln, err := net.Listen("tcp", cfg.HTTP)
	if err != nil {
		return fmt.Errorf("listen http: %w", err)
	}
	s.httpURL = scheme("http", tlsCfg) + "://" + ln.Addr().String()
	if s.notices, err = httpapi.NewNotices(s.manifest); err != nil {
		ln.Close()
		return err
	}
	s.publicURL = cfg.Disclosure.PublicURL
	if s.disclosure, err = cfg.Disclosure.documents(s.manifest, s.httpURL); err != nil {
		ln.Close()
		return fmt.Errorf("security.txt: %w", err)
	}
	ln = httpapi.LimitListener(proxyListener(ln, lbs), cfg.HTTPMaxConns)
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	proxies, err := cfg.trustedProxies()
	if err != nil {
		ln.Close()
		return err
	}
	apiMetrics := metricsHandler
	if cfg.MetricsAddr != "" || cfg.MetricsToken == "" {
		apiMetrics = nil // 404 on the API address
	}
	s.httpSrv = newHTTPServer(cfg, s.log, s.handler(tlsCfg != nil, apiMetrics, proxies, cfg.MetricsToken))
	s.httpDone = make(chan error, 1)
	go func() { s.httpDone <- s.httpSrv.Serve(ln) }()
	if cfg.MetricsAddr != "" {
		return s.listenMetrics(cfg, tlsCfg, metricsHandler)
	}
	return nil
}

// newHTTPServer returns an HTTP server with Hearth's limits: read timeouts
// for headers and bodies (a slow client cannot hold a connection past
// them), an idle timeout, a header size bound, and an error log without
// client addresses.
func newHTTPServer(cfg serveConfig, log *slog.Logger, h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(httpapi.DefaultHeaderTimeout, cfg.HTTPReadTimeout),
		ReadTimeout:       cfg.HTTPReadTimeout,
		IdleTimeout:       httpapi.DefaultIdleTimeout,
		MaxHeaderBytes:    httpapi.MaxHeaderBytes,
		ErrorLog:          httpErrorLog(log), // no client addresses (SEC-MONITOR)
	}
}

// listenMetrics serves /metrics alone on --metrics-addr.
func (s *server) listenMetrics(cfg serveConfig, tlsCfg *tls.Config, metricsHandler http.Handler) error {
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listen metrics: %w", err)
	}
	ln = httpapi.LimitListener(ln, 16)
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metricsHandler)
	s.metricsSrv = newHTTPServer(cfg, s.log, mux)
	s.metricsURL = scheme("http", tlsCfg) + "://" + ln.Addr().String() + "/metrics"
	go s.metricsSrv.Serve(ln)
	return nil
}

// handler returns the API handler.
func (s *server) handler(secure bool, metricsHandler http.Handler, proxies []netip.Prefix, metricsToken string) http.Handler {
	return httpapi.NewServer(httpapi.Config{
		Auth: s.auth, Households: s.households, Ingest: s.ingest,
		Metrics: s.metrics, MetricsHandler: metricsHandler, MetricsToken: metricsToken, Logger: s.log,
		SecureCookies: secure, Health: s.health, TrustedProxies: proxies,
		Notify: s.notify, Notices: s.notices, Disclosure: s.disclosure, PublicURL: s.publicURL,
		Consents: s.privacy.consents, Subjects: s.privacy.subjects,
		Exports: s.exports,
		Erasure: s.erasure,
		Rights:  s.rights,
		Events:  s.events, Lifecycle: s.lifecycle,
		Updates: s.updates, FirmwareKeys: s.firmwareKeys,
		Audit: s.audit, Chains: s.chains,
		OAuth:     s.oauth,
		Analytics: s.analytics,
		Report:    s.report,
	})
}

// health reports whether the server can serve: the store answers.
func (s *server) health(ctx context.Context) error {
	_, err := s.store.Device(ctx, "dev_healthcheck") // no such device: a cheap read
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return nil
	}
	return err
}

// shutdown stops accepting connections, commits every accepted reading,
// and closes the store, in that order. It returns the errors joined.
func (s *server) shutdown(ctx context.Context) error {
	var errs []error
	if s.httpSrv != nil {
		if err := s.httpSrv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shut down http: %w", err))
		}
	}
	if s.metricsSrv != nil {
		if err := s.metricsSrv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shut down metrics: %w", err))
		}
	}
	if s.stopUpdates != nil {
		s.stopUpdates()
	}
	if s.broker != nil {
		if err := s.broker.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close mqtt broker: %w", err))
		}
	}
	if s.stopJobs != nil {
		s.stopJobs()
	}
	if err := s.ingest.Close(ctx); err != nil {
		errs = append(errs, fmt.Errorf("flush readings: %w", err))
	}
	if err := s.audit.Close(ctx); err != nil {
		errs = append(errs, fmt.Errorf("flush the audit log: %w", err))
	}
	if s.stopAnchor != nil {
		s.stopAnchor()
	}
	s.log.Info("pending readings committed")
	if err := s.core.close(s.log); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// scheme returns base, or base+"s" when TLS is on.
func scheme(base string, tlsCfg *tls.Config) string {
	if tlsCfg != nil {
		return base + "s"
	}
	return base
}
