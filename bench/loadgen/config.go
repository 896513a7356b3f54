package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

// config is the load generator's configuration, from its flags.
type config struct {
	broker        string
	devices       int
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
	connectConc   int
	keepAlive     time.Duration
}

// parseFlags parses the command line. Usage and flag errors go to stderr.
func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.broker, "broker", "tcp://127.0.0.1:1883", "broker address, tcp://host:port")
	fs.IntVar(&c.devices, "devices", 100, "number of devices (connections); with --creds, the first N rows")
	fs.Float64Var(&c.rate, "rate", 1000, "target aggregate rate in messages per second, spread evenly over the devices")
	fs.DurationVar(&c.duration, "duration", 30*time.Second, "measured run time after the warm-up; with --idle, how long to hold (0: until interrupted)")
	fs.DurationVar(&c.warmup, "warmup", 5*time.Second, "time publishing on schedule before measuring starts")
	fs.DurationVar(&c.drain, "drain", 10*time.Second, "how long to wait for outstanding PUBACKs after the run; later ones count as unacked")
	fs.StringVar(&c.creds, "creds", "", "CSV file of device_id,secret,claim_code; without it, client IDs dev-000001... and no password")
	fs.StringVar(&c.topicTemplate, "topic-template", "hearth/v1/devices/{id}/readings", "publish topic; {id} is replaced by the device ID")
	fs.IntVar(&c.payloadSize, "payload-size", 256, "approximate payload size in bytes (at least the bare reading; at most 16384)")
	fs.StringVar(&c.category, "category", "room-temperature", "data category of every reading")
	fs.StringVar(&c.runID, "run-id", "", "prefix of message IDs, unique per run (default: random)")
	fs.BoolVar(&c.idle, "idle", false, "connect the devices, print a ready line and hold them idle")
	fs.BoolVar(&c.json, "json", false, "print the summary as one JSON object")
	fs.IntVar(&c.workers, "workers", 16*runtime.GOMAXPROCS(0), "publishing goroutines; devices are shared among them")
	fs.IntVar(&c.connectConc, "connect-concurrency", 64, "connections opened at once")
	fs.DurationVar(&c.keepAlive, "keepalive", 60*time.Second, "MQTT keep-alive interval")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.runID == "" {
		c.runID = randomRunID()
	}
	return c, c.validate()
}

// maxPayload is hearth.MaxReadingSize; the generator does not import the
// root package so that it can drive any broker.
const maxPayload = 16 << 10

func (c *config) validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(strings.HasPrefix(c.broker, "tcp://"), "--broker %q: want tcp://host:port", c.broker)
	check(c.devices > 0, "--devices must be positive")
	check(c.idle || c.rate > 0, "--rate must be positive")
	check(c.duration >= 0 && c.warmup >= 0 && c.drain >= 0, "durations must not be negative")
	check(c.idle || c.duration > 0, "--duration must be positive")
	check(c.payloadSize <= maxPayload, "--payload-size must be at most %d", maxPayload)
	check(strings.Contains(c.topicTemplate, "{id}"), "--topic-template must contain {id}")
	check(c.workers > 0 && c.connectConc > 0, "--workers and --connect-concurrency must be positive")
	check(validMsgID(c.runID+".0"), "--run-id must be 1-40 characters of [A-Za-z0-9._:-]")
	check(len(c.runID) <= 40, "--run-id must be at most 40 characters")
	return errors.Join(errs...)
}
