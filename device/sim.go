// Package device is Hearth's reference device: a simulated device that
// speaks the public device protocol (docs/device-protocol.md) over real
// MQTT, and a fleet of them for demos and load. A device maker can read it
// as an example client; it uses only the documented protocol.
package device

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Firmware is the firmware version the simulated devices report.
const Firmware = "1.4.2"

// Default settings of a Config.
const (
	DefaultInterval       = 10 * time.Second
	DefaultPublishTimeout = 10 * time.Second
)

// ReadingsTopic returns the topic a device publishes its readings to.
func ReadingsTopic(deviceID string) string {
	return "hearth/v1/devices/" + deviceID + "/readings"
}

// Config configures a simulated device. A zero field takes the default
// stated beside it.
type Config struct {
	Broker   string      // broker URL: tcp://host:port, or ssl://host:port with TLS
	TLS      *tls.Config // for an ssl:// broker; nil uses the system roots
	DeviceID string      // also the MQTT client ID and username
	Secret   string      // the device secret: the MQTT password
	Model    string      // a model in ModelCategories
	Persons  []string    // person IDs occupancy may name; nil: the household
	Interval time.Duration
	Seed     uint64 // seeds the telemetry; 0 derives one from the device ID
	Logger   *slog.Logger
	// PublishTimeout bounds the wait for a PUBACK; DefaultPublishTimeout if 0.
	PublishTimeout time.Duration
}

// Sim is one simulated device. It connects with its own credential,
// publishes at QoS 1 with unique message IDs, and reconnects after a lost
// connection, resending unacknowledged messages. Its methods are safe for
// concurrent use.
type Sim struct {
	cfg       Config
	client    paho.Client
	telemetry *Telemetry
	published atomic.Int64
	failed    atomic.Int64
}

// New returns a simulated device; it does not connect yet. It returns an
// error for a missing broker, device ID or secret, or an unknown model.
func New(cfg Config) (*Sim, error) {
	if cfg.Broker == "" || cfg.DeviceID == "" || cfg.Secret == "" {
		return nil, errors.New("new simulated device: broker, device ID and secret are required")
	}
	if cfg.Seed == 0 {
		cfg.Seed = seedOf(cfg.DeviceID)
	}
	g, err := NewTelemetry(cfg.Model, cfg.Persons, cfg.Seed)
	if err != nil {
		return nil, err
	}
	cfg.Interval = cmpOr(cfg.Interval, DefaultInterval)
	cfg.PublishTimeout = cmpOr(cfg.PublishTimeout, DefaultPublishTimeout)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Sim{cfg: cfg, telemetry: g}
	s.client = paho.NewClient(s.options())
	return s, nil
}

func (s *Sim) options() *paho.ClientOptions {
	o := paho.NewClientOptions().AddBroker(s.cfg.Broker).
		SetClientID(s.cfg.DeviceID).SetUsername(s.cfg.DeviceID).SetPassword(s.cfg.Secret).
		SetCleanSession(false).                        // keep unacknowledged messages and resend them after a reconnect
		SetAutoReconnect(true).SetConnectRetry(false). // a refused first connection is reported, not retried
		SetMaxReconnectInterval(10 * time.Second).SetConnectTimeout(10 * time.Second)
	if s.cfg.TLS != nil {
		o.SetTLSConfig(s.cfg.TLS)
	}
	o.SetConnectionLostHandler(func(_ paho.Client, err error) {
		s.cfg.Logger.Warn("device connection lost", "device", s.cfg.DeviceID, "err", err)
	})
	return o
}

// Connect connects to the broker, waiting at most until ctx is done. It
// returns the broker's refusal, such as a bad credential.
func (s *Sim) Connect(ctx context.Context) error {
	if err := wait(ctx, s.client.Connect()); err != nil {
		return fmt.Errorf("connect device %s: %w", s.cfg.DeviceID, err)
	}
	return nil
}

// Publish sends one reading at QoS 1 and waits for its PUBACK.
func (s *Sim) Publish(ctx context.Context, r Reading) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode reading: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.PublishTimeout)
	defer cancel()
	if err := wait(ctx, s.client.Publish(ReadingsTopic(s.cfg.DeviceID), 1, false, b)); err != nil {
		s.failed.Add(1)
		return fmt.Errorf("publish reading %s: %w", r.ID, err)
	}
	s.published.Add(1)
	return nil
}

// Run connects, then publishes a sample of telemetry every interval until
// ctx is done, and disconnects. A failed publish is logged and counted, not
// fatal: the device carries on, as a real one would. It returns an error
// only if the first connection fails.
func (s *Sim) Run(ctx context.Context) error {
	if err := s.Connect(ctx); err != nil {
		return err
	}
	defer s.client.Disconnect(250)
	tick := time.NewTicker(s.cfg.Interval)
	defer tick.Stop()
	for {
		s.publishSample(ctx, time.Now())
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

func (s *Sim) publishSample(ctx context.Context, t time.Time) {
	for _, r := range s.telemetry.Sample(t) {
		if err := s.Publish(ctx, r); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Warn("device publish failed", "device", s.cfg.DeviceID, "category", r.Category, "err", err)
		}
	}
}

// Published returns how many readings the broker acknowledged.
func (s *Sim) Published() int64 { return s.published.Load() }

// Failed returns how many publishes failed or timed out.
func (s *Sim) Failed() int64 { return s.failed.Load() }

// Close disconnects from the broker.
func (s *Sim) Close() { s.client.Disconnect(250) }

// wait waits for a paho token or for ctx.
func wait(ctx context.Context, tok paho.Token) error {
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// seedOf derives a telemetry seed from a device ID (FNV-1a).
func seedOf(id string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h = (h ^ uint64(id[i])) * 1099511628211
	}
	return h | 1
}

func cmpOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
