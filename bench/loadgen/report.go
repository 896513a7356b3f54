package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// summary is the outcome of a load run, as printed with --json. Message
// counts cover the messages due in the measured window (after the warm-up)
// unless named *_total.
type summary struct {
	Broker        string    `json:"broker"`
	Client        string    `json:"client"`
	Devices       int       `json:"devices"`
	Connected     int       `json:"connected"`
	ConnectFailed int       `json:"connect_failed"`
	OfferedRate   float64   `json:"offered_rate"`
	DurationS     float64   `json:"duration_s"`
	WarmupS       float64   `json:"warmup_s"`
	PayloadBytes  int       `json:"payload_bytes"`
	Scheduled     int64     `json:"scheduled"`
	Sent          int64     `json:"sent"`
	Acked         int64     `json:"acked"`
	Errors        int64     `json:"errors"`
	Unacked       int64     `json:"unacked"`
	NotSent       int64     `json:"not_sent"`
	SentTotal     int64     `json:"sent_total"`
	AckedTotal    int64     `json:"acked_total"`
	AckRate       float64   `json:"ack_rate"` // PUBACKs received per second within the measured window
	Latency       quantiles `json:"latency_ms"`
	SendLag       quantiles `json:"send_lag_ms"`
	KeptUp        bool      `json:"kept_up"`
	GeneratorCPU  float64   `json:"generator_cpu_cores"`             // CPU time of the generator over the measured window, in cores
	ServerCPU     float64   `json:"server_cpu_cores,omitempty"`      // the same for --server-pid
	ServerCPUAck  float64   `json:"server_cpu_us_per_ack,omitempty"` // the server's CPU time in the window per PUBACK received in it, µs
	StoreCPU      float64   `json:"store_cpu_cores,omitempty"`       // the same for --store-pid and its children
	StoreCPUAck   float64   `json:"store_cpu_us_per_ack,omitempty"`
	FirstError    string    `json:"first_error,omitempty"`
	Idle          bool      `json:"idle,omitempty"`
	GoMaxProcs    int       `json:"gomaxprocs"`
	Started       time.Time `json:"started"`
}

// quantiles are latency quantiles in milliseconds.
type quantiles struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

// keptUpShare is the share of the offered rate the broker must acknowledge,
// with nothing lost, for a run to count as keeping up (issue 13's strict
// rule; bench/ingest.sh adds the p99 bound).
const keptUpShare = 0.98

// summarize builds the summary of a finished run.
func summarize(cfg *config, devs []*device, failed int, p plan, s *stats) *summary {
	sum := &summary{
		Broker: cfg.broker, Client: cfg.client, Devices: len(devs), Connected: len(devs) - failed, ConnectFailed: failed,
		OfferedRate: cfg.rate, DurationS: cfg.duration.Seconds(), WarmupS: cfg.warmup.Seconds(),
		PayloadBytes: len((&payloadGen{runID: cfg.runID, category: cfg.category, size: cfg.payloadSize, values: cfg.values}).build(nil, 0, p.start)),
		Scheduled:    s.scheduled.Load(), Sent: s.sent.Load(), Acked: s.acked.Load(), Errors: s.failed.Load(),
		NotSent: s.notSent.Load(), SentTotal: s.sentTotal.Load(), AckedTotal: s.ackedTotal.Load(),
		AckRate: float64(s.windowAcks.Load()) / cfg.duration.Seconds(),
		Latency: quantilesOf(&s.latency), SendLag: quantilesOf(&s.sendLag),
		Started: p.start.UTC(),
	}
	sum.Unacked = sum.Sent - sum.Acked - sum.Errors
	secs := cfg.duration.Seconds()
	sum.GeneratorCPU = s.cpu.generator / secs
	w := s.windowAcks.Load()
	if s.cpu.server >= 0 {
		sum.ServerCPU = s.cpu.server / secs
		if w > 0 {
			sum.ServerCPUAck = s.cpu.server * 1e6 / float64(w)
		}
	}
	if s.cpu.store >= 0 {
		sum.StoreCPU = s.cpu.store / secs
		if w > 0 {
			sum.StoreCPUAck = s.cpu.store * 1e6 / float64(w)
		}
	}
	sum.KeptUp = sum.Errors == 0 && sum.Unacked == 0 && sum.NotSent == 0 && failed == 0 &&
		sum.AckRate >= keptUpShare*cfg.rate
	if e := s.firstErr.Load(); e != nil {
		sum.FirstError = *e
	}
	return sum
}

func quantilesOf(h *histogram) quantiles {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return quantiles{
		P50: ms(h.quantile(0.5)), P90: ms(h.quantile(0.9)), P99: ms(h.quantile(0.99)),
		P999: ms(h.quantile(0.999)), Max: ms(h.maxValue()),
	}
}

// write prints the summary as text or, with asJSON, as one JSON line.
func (sum *summary) write(w io.Writer, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(w).Encode(sum)
	}
	_, err := fmt.Fprintf(w, `broker       %s (%s client)
devices      %d connected, %d failed
offered      %.0f msg/s for %gs after %gs warm-up, %d-byte payloads, QoS 1
messages     %d scheduled, %d sent, %d acked, %d errors, %d unacked, %d not sent
ack rate     %.0f msg/s (%.1f%% of offered)
latency      p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms (scheduled send to PUBACK)
send lag     p99 %.2f ms, max %.2f ms
kept up      %v
cpu          generator %.2f cores, server %.2f cores, server %.1f µs per ack, store %.2f cores (measured window)
`, sum.Broker, sum.Client, sum.Connected, sum.ConnectFailed, sum.OfferedRate, sum.DurationS, sum.WarmupS, sum.PayloadBytes,
		sum.Scheduled, sum.Sent, sum.Acked, sum.Errors, sum.Unacked, sum.NotSent,
		sum.AckRate, 100*sum.AckRate/sum.OfferedRate,
		sum.Latency.P50, sum.Latency.P90, sum.Latency.P99, sum.Latency.P999, sum.Latency.Max,
		sum.SendLag.P99, sum.SendLag.Max, sum.KeptUp, sum.GeneratorCPU, sum.ServerCPU, sum.ServerCPUAck, sum.StoreCPU)
	if err == nil && sum.FirstError != "" {
		_, err = fmt.Fprintf(w, "first error  %s\n", sum.FirstError)
	}
	return err
}
