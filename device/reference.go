package device

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/hearth-iot/hearth/firmware"
)

// ErrFactoryReset is what Reference.Run returns after a factory reset: the
// device wiped its state file and stopped.
var ErrFactoryReset = errors.New("factory reset: the device wiped its state and stopped")

// Defaults of a ReferenceConfig.
const (
	DefaultListen = "127.0.0.1:8787"
	// eventTimeout bounds sending one event, over MQTT or HTTP.
	eventTimeout = 10 * time.Second
	// outboxSize bounds the readings waiting to be published; while it is
	// full, new readings are kept only locally.
	outboxSize = 256
)

// ReferenceConfig configures a Reference device. Dir is required. DeviceID,
// Secret and Model are needed, and Firmware read, only on the first start, when Dir holds no
// state file yet; later starts read them from the state file. A zero field
// takes the default stated beside it.
type ReferenceConfig struct {
	Dir      string // the device's own directory: its state file and firmware image
	Listen   string // local API address; default DefaultListen
	DeviceID string
	Secret   string
	Model    string // a model in ModelCategories
	Firmware string // the installed firmware version on the first start; default Firmware
	// Broker and API are the backend's MQTT broker URL (tcp:// or ssl://)
	// and HTTP base URL (for events and firmware images). Given, they
	// replace the stored ones; "" keeps them.
	Broker   string
	API      string
	TLS      *tls.Config // for an ssl:// broker; nil uses the system roots
	Persons  []string    // person IDs occupancy may name; nil: the household
	Interval time.Duration
	// TrustedKeys are the keys a firmware release must be signed by
	// (package firmware); none refuses every firmware-update command.
	TrustedKeys []ed25519.PublicKey
	// HTTPClient fetches firmware images and posts events; default a client
	// with a 5 minute timeout.
	HTTPClient *http.Client
	Now        func() time.Time // default time.Now
	Logger     *slog.Logger     // default: discard
}

// Reference is Hearth's reference device: a thermostat or room sensor that
// keeps its own state (StateFile in its directory), serves the local API
// (docs/local-api.md) to paired apps on the home network, publishes its
// readings to the backend over MQTT while its cloud link is on, and honours
// the commands the backend sends (docs/device-protocol.md). Its core
// function, taking readings and keeping the target temperature, works
// without the backend (LOCAL-ONLY, CORE-STABLE). Its methods are safe for
// concurrent use.
type Reference struct {
	cfg       ReferenceConfig
	code      string
	throttle  *throttle
	ln        net.Listener
	srv       *http.Server
	published atomic.Int64

	mu        sync.Mutex
	st        *State
	telemetry *Telemetry
	client    paho.Client  // nil while the cloud link is off
	outbox    chan Reading // readings waiting to be published
	update    UpdateStatus
	resetting bool

	resetOnce sync.Once
	reset     chan struct{} // closed once a factory reset is done
}

// Open loads the device's state from cfg.Dir, or creates it on the first
// start, and starts listening for the local API. It returns an error for a
// missing directory setting, an unreadable state file, a first start
// without device ID, secret or model, an unknown model, or an address it
// cannot listen on.
func Open(cfg ReferenceConfig) (*Reference, error) {
	if cfg.Dir == "" {
		return nil, errors.New("open device: a directory is required")
	}
	cfg.Listen = cmpOrString(cfg.Listen, DefaultListen)
	cfg.Interval = cmpOr(cfg.Interval, DefaultInterval)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 5 * time.Minute}
	}
	st, err := openState(cfg)
	if err != nil {
		return nil, err
	}
	g, err := NewTelemetry(st.Model, cfg.Persons, seedOf(st.DeviceID))
	if err != nil {
		return nil, fmt.Errorf("open device: %w", err)
	}
	g.firmware = st.Firmware
	if t := st.Settings.TargetCelsius; t != 0 {
		g.setTarget(t)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("open device: local API: %w", err)
	}
	r := &Reference{cfg: cfg, code: newPairCode(), throttle: newThrottle(cfg.Now), ln: limitListener(ln, MaxLocalConns),
		st: st, telemetry: g, reset: make(chan struct{}), outbox: make(chan Reading, outboxSize)}
	r.srv = r.newServer()
	return r, nil
}

// openState reads the state file, or makes the first one from cfg.
func openState(cfg ReferenceConfig) (*State, error) {
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("open device: %w", err)
	}
	st, err := loadState(cfg.Dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if cfg.DeviceID == "" || cfg.Secret == "" || cfg.Model == "" {
			return nil, errors.New("open device: first start: device ID, secret and model are required")
		}
		if cfg.Firmware != "" && !firmware.ValidVersion(cfg.Firmware) {
			return nil, fmt.Errorf("open device: firmware version %q: give MAJOR.MINOR.PATCH", cfg.Firmware)
		}
		st = &State{DeviceID: cfg.DeviceID, Secret: cfg.Secret, Model: cfg.Model, Firmware: cmpOrString(cfg.Firmware, Firmware), Cloud: true}
	case err != nil:
		return nil, fmt.Errorf("open device: %w", err)
	}
	if _, ok := ModelCategories[st.Model]; !ok {
		return nil, fmt.Errorf("open device: unknown model %q", st.Model)
	}
	st.Broker, st.API = cmpOrString(cfg.Broker, st.Broker), cmpOrString(cfg.API, st.API)
	if err := saveState(cfg.Dir, st); err != nil {
		return nil, fmt.Errorf("open device: %w", err)
	}
	return st, nil
}

// PairingCode returns the code the device shows for pairing apps with its
// local API: new at every start.
func (r *Reference) PairingCode() string { return r.code }

// LocalAddr returns the address the local API listens on.
func (r *Reference) LocalAddr() net.Addr { return r.ln.Addr() }

// DeviceID returns the device's ID.
func (r *Reference) DeviceID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st.DeviceID
}

// Published returns how many readings the backend acknowledged.
func (r *Reference) Published() int64 { return r.published.Load() }

// Run serves the local API, takes a sample every interval, keeps it
// locally and, while the cloud link is on, publishes it, until ctx is done
// or a factory reset. It returns nil when ctx is done and ErrFactoryReset
// after a factory reset.
func (r *Reference) Run(ctx context.Context) error {
	served := make(chan error, 1)
	go func() { served <- r.srv.Serve(r.ln) }()
	pubCtx, stopPub := context.WithCancel(ctx)
	published := make(chan struct{})
	go func() { r.publishLoop(pubCtx); close(published) }()
	r.mu.Lock()
	if r.st.Cloud {
		r.startCloudLocked()
	}
	r.mu.Unlock()
	tick := time.NewTicker(r.cfg.Interval)
	defer tick.Stop()
	var err error
loop:
	for {
		r.sample(ctx)
		select {
		case <-ctx.Done():
			break loop
		case <-r.reset:
			err = ErrFactoryReset
			break loop
		case <-tick.C:
		}
	}
	stopPub()
	<-published
	r.stopCloud()
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.srv.Shutdown(shut)
	<-served
	if err == nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		if !r.resetting {
			return saveState(r.cfg.Dir, r.st)
		}
		return ErrFactoryReset
	}
	return err
}

// sample takes one sample: keeps its readings locally and publishes them
// while the cloud link is on and connected.
func (r *Reference) sample(ctx context.Context) {
	r.mu.Lock()
	if r.resetting {
		r.mu.Unlock()
		return
	}
	rs := r.telemetry.Sample(r.cfg.Now())
	r.st.Readings = append(r.st.Readings, rs...)
	if n := len(r.st.Readings); n > MaxLocalReadings {
		r.st.Readings = append(r.st.Readings[:0:0], r.st.Readings[n-MaxLocalReadings:]...)
	}
	if err := saveState(r.cfg.Dir, r.st); err != nil {
		r.cfg.Logger.Warn("device state not saved", "err", err)
	}
	client := r.client
	r.mu.Unlock()
	if client == nil || !client.IsConnectionOpen() {
		return
	}
	for _, rd := range rs {
		select {
		case r.outbox <- rd:
		default: // the backend is slow: the reading stays only local
		}
	}
}

// publishLoop publishes the readings sample queues, one at a time, while
// the cloud link is on, until ctx is done. It runs apart from sampling, so
// a slow or silent backend never holds up the device's own function.
func (r *Reference) publishLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case rd := <-r.outbox:
			r.mu.Lock()
			client, id := r.client, r.st.DeviceID
			r.mu.Unlock()
			if client == nil { // switched to local-only since: sent nowhere
				continue
			}
			if err := r.publish(ctx, client, id, rd); err != nil && ctx.Err() == nil {
				r.cfg.Logger.Warn("device publish failed", "device", id, "category", rd.Category, "err", err)
			}
		}
	}
}

// cmpOrString returns s, or def if s is empty.
func cmpOrString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
