package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// config is the load generator's configuration, from its flags.
type config struct {
	broker        string
	devices       int
	skip          int
	rate          float64
	duration      time.Duration
	warmup        time.Duration
	drain         time.Duration
	creds         string
	topicTemplate string
	payloadSize   int
	category      string
	runID         string
	idle          bool
	json          bool
	workers       int
	procs         int
	connectConc   int
	keepAlive     time.Duration
	client        string
	caFile        string
	tlsGroups     string
	serverPIDs    []int
	storePID      int
	sourceAddrs   string
	synthManifest string
	synthSeed     uint64

	brokers []string // --broker, split at commas

	tls    *tls.Config  // set for a tls:// broker
	locals []net.Addr   // from sourceAddrs
	values *synthValues // from synthManifest; nil without
}

// The MQTT clients --client selects.
const (
	clientLean = "lean"
	clientPaho = "paho"
)

// parseFlags parses the command line. Usage and flag errors go to stderr.
func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.broker, "broker", "tcp://127.0.0.1:1883", "broker address, tcp://host:port or tls://host:port; several, comma-separated (nodes of one service), take the devices in turn: device i connects to the (i mod n)th")
	fs.IntVar(&c.devices, "devices", 100, "number of devices (connections); with --creds, the first N rows after --skip")
	fs.IntVar(&c.skip, "skip", 0, "start at device N+1 (--creds row or dev-NNNNNN), so that several generators use distinct devices")
	fs.Float64Var(&c.rate, "rate", 1000, "target aggregate rate in messages per second, spread evenly over the devices")
	fs.DurationVar(&c.duration, "duration", 30*time.Second, "measured run time after the warm-up; with --idle, how long to hold (0: until interrupted)")
	fs.DurationVar(&c.warmup, "warmup", 5*time.Second, "time publishing on schedule before measuring starts")
	fs.DurationVar(&c.drain, "drain", 10*time.Second, "how long to wait for outstanding PUBACKs after the run; later ones count as unacked")
	fs.StringVar(&c.creds, "creds", "", "CSV file of device_id,secret,claim_code; without it, client IDs dev-000001... and no password")
	fs.StringVar(&c.topicTemplate, "topic-template", "hearth/v1/devices/{id}/readings", "publish topic; {id} is replaced by the device ID")
	fs.IntVar(&c.payloadSize, "payload-size", 256, "approximate payload size in bytes (at least the bare reading; at most 16384)")
	fs.StringVar(&c.category, "category", "room-temperature", "data category of every reading")
	fs.StringVar(&c.synthManifest, "synth-manifest", "", "privacy manifest (the server's) to draw each reading's values for --category from package synth, following the scheduled time of day (default: a temperature cycling with the message number)")
	fs.Uint64Var(&c.synthSeed, "synth-seed", 1, "with --synth-manifest: synth's seed")
	fs.StringVar(&c.runID, "run-id", "", "prefix of message IDs, unique per run (default: random)")
	fs.BoolVar(&c.idle, "idle", false, "connect the devices, print a ready line and hold them idle")
	fs.BoolVar(&c.json, "json", false, "print the summary as one JSON object")
	fs.IntVar(&c.workers, "workers", 32, "publishing goroutines; devices are shared among them")
	fs.IntVar(&c.procs, "procs", 1, "GOMAXPROCS of the generator: with one, it spends less CPU per message on waking threads and its own latency is lower (bench/README.md)")
	fs.IntVar(&c.connectConc, "connect-concurrency", 64, "connections opened at once")
	fs.DurationVar(&c.keepAlive, "keepalive", 60*time.Second, "MQTT keep-alive interval; a connection silent for 3/4 of it sends PINGREQ")
	fs.StringVar(&c.client, "client", clientLean, `MQTT client: "lean" (raw MQTT 3.1.1, one reader goroutine per connection) or "paho" (Eclipse Paho)`)
	fs.StringVar(&c.caFile, "ca", "", "with a tls:// broker: PEM file of the CA to verify it with (default: no verification, for a self-signed benchmark certificate)")
	fs.StringVar(&c.tlsGroups, "tls-groups", "", `with a tls:// broker: the key exchange groups the client offers, comma-separated from x25519, p256, x25519mlkem768 (default: Go's, which sends an X25519MLKEM768 key share, a ClientHello about 1.2 KB larger than an X25519-only device's)`)
	serverPIDs := fs.String("server-pid", "", "process ID of the broker on this machine, or several comma-separated (the nodes of one service): report their CPU time over the measured window")
	fs.IntVar(&c.storePID, "store-pid", 0, "process ID of a database server on this machine (PostgreSQL's postmaster): report its CPU time and its child processes' over the measured window")
	fs.StringVar(&c.sourceAddrs, "source-addrs", "", "comma-separated local IP addresses the connections are spread over (e.g. 127.0.0.2,127.0.0.3), for more than one address's ephemeral ports")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.runID == "" {
		c.runID = randomRunID()
	}
	for f := range strings.SplitSeq(*serverPIDs, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		pid, err := strconv.Atoi(f)
		if err != nil || pid <= 0 {
			return nil, fmt.Errorf("--server-pid: %q is not a process ID", f)
		}
		c.serverPIDs = append(c.serverPIDs, pid)
	}
	for b := range strings.SplitSeq(c.broker, ",") {
		c.brokers = append(c.brokers, strings.TrimSpace(b))
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, c.resolve()
}

// resolve fills the derived fields: the TLS configuration and the local
// addresses.
func (c *config) resolve() error {
	if strings.HasPrefix(c.brokers[0], "tls://") {
		host, _, _ := net.SplitHostPort(c.addr(0))
		c.tls = &tls.Config{ServerName: host, InsecureSkipVerify: c.caFile == ""}
		for _, g := range strings.Split(c.tlsGroups, ",") {
			id, ok := tlsGroups[strings.TrimSpace(g)]
			if !ok && strings.TrimSpace(g) != "" {
				return fmt.Errorf("--tls-groups: unknown group %q (want x25519, p256 or x25519mlkem768)", g)
			}
			if ok {
				c.tls.CurvePreferences = append(c.tls.CurvePreferences, id)
			}
		}
		if c.caFile != "" {
			pem, err := os.ReadFile(c.caFile)
			if err != nil {
				return fmt.Errorf("--ca: %w", err)
			}
			c.tls.RootCAs = x509.NewCertPool()
			if !c.tls.RootCAs.AppendCertsFromPEM(pem) {
				return fmt.Errorf("--ca %s: no PEM certificate", c.caFile)
			}
		}
	}
	for _, a := range strings.Split(c.sourceAddrs, ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		ip := net.ParseIP(a)
		if ip == nil {
			return fmt.Errorf("--source-addrs: %q is not an IP address", a)
		}
		c.locals = append(c.locals, &net.TCPAddr{IP: ip})
	}
	if c.synthManifest != "" {
		var err error
		if c.values, err = newSynthValues(c.synthManifest, c.category, c.synthSeed); err != nil {
			return err
		}
	}
	return nil
}

// tlsGroups are the key exchange groups --tls-groups names.
var tlsGroups = map[string]tls.CurveID{"x25519": tls.X25519, "p256": tls.CurveP256, "x25519mlkem768": tls.X25519MLKEM768}

// brokerOf returns the broker URL device i connects to.
func (c *config) brokerOf(i int) string { return c.brokers[i%len(c.brokers)] }

// addr returns the host:port of the broker device i connects to.
func (c *config) addr(i int) string {
	_, a, _ := strings.Cut(c.brokerOf(i), "://")
	return a
}

// localAddr returns the local address of connection i (nil: any).
func (c *config) localAddr(i int) net.Addr {
	if len(c.locals) == 0 {
		return nil
	}
	return c.locals[i%len(c.locals)]
}

// maxPayload is hearth.MaxReadingSize, kept here so that the limit the
// generator checks does not change with the server it drives (any broker).
const maxPayload = 16 << 10

func (c *config) validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	for _, b := range c.brokers {
		check(strings.HasPrefix(b, "tcp://") || strings.HasPrefix(b, "tls://"), "--broker %q: want tcp://host:port or tls://host:port", b)
		check(strings.HasPrefix(b, "tls://") == strings.HasPrefix(c.brokers[0], "tls://"), "--broker: all tcp:// or all tls://")
	}
	check(c.client == clientLean || c.client == clientPaho, "--client %q: want lean or paho", c.client)
	check(c.keepAlive >= time.Second && c.keepAlive <= 65535*time.Second, "--keepalive must be 1s to 65535s")
	check(c.devices > 0, "--devices must be positive")
	check(c.skip >= 0, "--skip must not be negative")
	check(c.idle || c.rate > 0, "--rate must be positive")
	check(c.duration >= 0 && c.warmup >= 0 && c.drain >= 0, "durations must not be negative")
	check(c.idle || c.duration > 0, "--duration must be positive")
	check(c.payloadSize <= maxPayload, "--payload-size must be at most %d", maxPayload)
	check(strings.Contains(c.topicTemplate, "{id}"), "--topic-template must contain {id}")
	check(c.workers > 0 && c.connectConc > 0 && c.procs > 0, "--workers, --procs and --connect-concurrency must be positive")
	check(validMsgID(c.runID+".0"), "--run-id must be 1-40 characters of [A-Za-z0-9._:-]")
	check(len(c.runID) <= 40, "--run-id must be at most 40 characters")
	return errors.Join(errs...)
}
