// Package metrics defines Hearth's Prometheus metrics in one place, so the
// ingestion service, the broker and the HTTP server count the same way.
// Label values are fixed reasons and transports, never personal data.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics holds Hearth's collectors. Its methods are safe for concurrent use.
type Metrics struct {
	// ReadingsAccepted counts readings durably stored, by transport (mqtt, http).
	ReadingsAccepted *prometheus.CounterVec
	// ReadingsDuplicate counts resent readings already stored, by transport.
	ReadingsDuplicate *prometheus.CounterVec
	// ReadingsRefused counts readings refused, by transport and reason
	// (malformed, too_large, undeclared_category, unknown_person, topic, ...).
	ReadingsRefused *prometheus.CounterVec
	// BatchSize observes the number of readings in each group commit.
	BatchSize prometheus.Histogram
	// CommitSeconds observes the latency of each group commit.
	CommitSeconds prometheus.Histogram
	// ConnectedDevices is the number of devices connected to the broker.
	ConnectedDevices prometheus.Gauge
	// AuthFailures counts refused authentications, by kind (device, sign_in,
	// reauthenticate, second_factor)
	// and reason (bad_credential, rate_limited, replayed, unknown_step, ...).
	AuthFailures *prometheus.CounterVec
	// HTTPRequests counts API requests by route pattern and status code.
	HTTPRequests *prometheus.CounterVec
	// Errors counts errors returned to clients by code (invalid, not_found, ...).
	Errors *prometheus.CounterVec
	// AuditRecorded counts entries durably appended to the audit log;
	// AuditFailures counts entries that could not be (each also answered
	// 503 or logged as an error, see package audit); AuditBatchSize
	// observes the entries per group commit.
	AuditRecorded  prometheus.Counter
	AuditFailures  prometheus.Counter
	AuditBatchSize prometheus.Histogram
	// ChainIntact is 1 while a hash chain ("consent" or "audit") verified
	// at its last check and 0 after a break was found.
	ChainIntact *prometheus.GaugeVec
}

// New creates Hearth's collectors and registers them with reg.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		ReadingsAccepted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_readings_accepted_total", Help: "Readings durably stored, by transport.",
		}, []string{"transport"}),
		ReadingsDuplicate: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_readings_duplicate_total", Help: "Resent readings that were stored already, by transport.",
		}, []string{"transport"}),
		ReadingsRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_readings_refused_total", Help: "Readings refused and not stored, by transport and reason.",
		}, []string{"transport", "reason"}),
		BatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hearth_ingest_batch_size", Help: "Readings per group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12),
		}),
		CommitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hearth_ingest_commit_seconds", Help: "Latency of each group commit, in seconds.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
		ConnectedDevices: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hearth_connected_devices", Help: "Devices connected to the MQTT gateway.",
		}),
		AuthFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_auth_failures_total", Help: "Refused authentications, by kind and reason.",
		}, []string{"kind", "reason"}),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_http_requests_total", Help: "API requests, by route and status code.",
		}, []string{"route", "code"}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_errors_total", Help: "Errors returned to clients, by error code.",
		}, []string{"code"}),
		AuditRecorded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hearth_audit_recorded_total", Help: "Entries durably appended to the audit log.",
		}),
		AuditFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hearth_audit_failures_total", Help: "Audit entries that could not be stored.",
		}),
		AuditBatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hearth_audit_batch_size", Help: "Audit entries per group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10),
		}),
		ChainIntact: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hearth_chain_intact", Help: "1 if the hash chain verified at its last check, 0 if it is broken.",
		}, []string{"chain"}),
	}
	reg.MustRegister(m.ReadingsAccepted, m.ReadingsDuplicate, m.ReadingsRefused, m.BatchSize,
		m.CommitSeconds, m.ConnectedDevices, m.AuthFailures, m.HTTPRequests, m.Errors,
		m.AuditRecorded, m.AuditFailures, m.AuditBatchSize, m.ChainIntact)
	return m
}

// NewUnregistered returns collectors registered with a fresh registry, for
// tests and tools that do not serve /metrics.
func NewUnregistered() *Metrics { return New(prometheus.NewRegistry()) }
