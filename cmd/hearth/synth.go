package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/synth"
)

const synthSummary = `Makes synthetic households, people, devices, consent decisions and readings
from the manifest (package synth; docs/synth.md): nothing in them is about a
real person. The same manifest and --seed give the same output.

  synth population   writes the households as JSON
  synth readings     writes their readings over a time range, one JSON object a line
  synth load         creates the households in a running server through its HTTP API
                     (accounts, invitations, profiles, devices, consents) and sends
                     the last --days of readings over the device protocol's HTTP path

load claims devices provisioned beforehand with "hearth devices provision" (the
manufacturer's step, while the server is stopped): give each model's
credentials file with --creds MODEL=FILE.`

// synthConfig is the configuration of `hearth synth`.
type synthConfig struct {
	Manifest   string
	Seed       uint64
	Households int
	Out        string
	// readings
	From     string
	Days     float64
	Interval time.Duration
	// load
	API         string
	Creds       credsFlag
	Password    string
	SourceAddrs string
	Workers     int
}

// runSynth runs `hearth synth population|readings|load`.
func runSynth(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || !slices.Contains([]string{"population", "readings", "load"}, args[0]) {
		return usagef("synth: give a subcommand: population, readings or load")
	}
	sub := args[0]
	cfg, err := parseSynthFlags(sub, args[1:], getenv, stderr)
	if err != nil {
		return helpOK(err)
	}
	sc := serveConfig{Manifest: cfg.Manifest}
	m, err := sc.loadManifest()
	if err != nil {
		return err
	}
	g := synth.NewWithOptions(m, cfg.Seed, synth.Options{Interval: cfg.Interval})
	p := g.Population(cfg.Households)
	switch sub {
	case "population":
		return writeOut(cfg.Out, stdout, func(w io.Writer) error {
			e := json.NewEncoder(w)
			e.SetIndent("", "  ")
			return e.Encode(p)
		})
	case "readings":
		from, to, err := cfg.span(time.Now())
		if err != nil {
			return err
		}
		return writeOut(cfg.Out, stdout, func(w io.Writer) error {
			e := json.NewEncoder(w)
			for r := range g.Readings(p, from, to) {
				if err := e.Encode(r); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return synthLoad(ctx, cfg, m, g, p, stdout)
}

func parseSynthFlags(sub string, args []string, getenv func(string) string, stderr io.Writer) (synthConfig, error) {
	cfg := synthConfig{Seed: 1, Households: 10, Days: 1, Interval: synth.DefaultInterval, Workers: 8}
	fs := newFlagSet("synth "+sub, synthSummary, stderr)
	fs.StringVar(&cfg.Manifest, "manifest", "", "privacy manifest file, the server's for load (default: the embedded example)")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed: the same seed gives the same population and readings")
	fs.IntVar(&cfg.Households, "households", cfg.Households, "number of households, 1 to 100000")
	if sub != "load" {
		fs.StringVar(&cfg.Out, "out", "", "file to write (must not exist; default: stdout)")
	}
	if sub != "population" {
		fs.Float64Var(&cfg.Days, "days", cfg.Days, "days of readings, up to now (or from --from); 0 to 3650")
		fs.DurationVar(&cfg.Interval, "interval", cfg.Interval, "how often a device samples a continuous category such as a temperature, at least 1m")
	}
	if sub == "readings" {
		fs.StringVar(&cfg.From, "from", "", "start of the readings, RFC 3339 or YYYY-MM-DD (default: --days before now)")
	}
	if sub == "load" {
		fs.StringVar(&cfg.API, "api", "", "base URL of the server's HTTP API, such as http://127.0.0.1:8080 (required)")
		fs.Var(&cfg.Creds, "creds", "MODEL=FILE: the credentials CSV of `hearth devices provision` for a model; repeat for each model the manifest has")
		fs.StringVar(&cfg.Password, "password", "", "every synthetic account's password (default: a random one, printed)")
		fs.StringVar(&cfg.SourceAddrs, "source-addrs", "", "comma-separated local IP addresses to send sign-ups from, "+
			fmt.Sprint(synth.SignUpLimit)+" from each, for a server that limits sign-ups per client address (such as 127.0.0.2,127.0.0.3 to a loopback server)")
		fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "devices sending readings at once, 1 to 256")
	}
	if err := parseFlags(fs, args, getenv); err != nil {
		return cfg, err
	}
	return cfg, cfg.check(sub)
}

// check validates the flags of subcommand sub.
func (c *synthConfig) check(sub string) error {
	switch {
	case c.Households < 1 || c.Households > 100000:
		return usagef("--households %d: give 1 to 100000", c.Households)
	case c.Days < 0 || c.Days > 3650:
		return usagef("--days %v: give 0 to 3650", c.Days)
	case c.Interval < time.Minute:
		return usagef("--interval %v: give at least 1m", c.Interval)
	case sub == "load" && c.API == "":
		return usagef("--api: give the server's HTTP API URL")
	case sub == "load" && (c.Workers < 1 || c.Workers > 256):
		return usagef("--workers %d: give 1 to 256", c.Workers)
	case sub == "load" && c.Password != "" && (len(c.Password) < 8 || len(c.Password) > 128):
		return usagef("--password: give 8 to 128 characters")
	}
	if sub == "readings" && c.From != "" {
		if _, err := parseWhen(c.From); err != nil {
			return usagef("--from %q: give RFC 3339, such as 2026-11-30T00:00:00Z, or YYYY-MM-DD", c.From)
		}
	}
	return nil
}

// span returns the readings' time range: --days up to now, or from --from.
func (c *synthConfig) span(now time.Time) (time.Time, time.Time, error) {
	d := time.Duration(c.Days * float64(24*time.Hour))
	if c.From == "" {
		return now.Add(-d), now, nil
	}
	from, err := parseWhen(c.From)
	return from, from.Add(d), err
}

func parseWhen(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

// writeOut writes with write to the new file name, or to stdout if name is
// "".
func writeOut(name string, stdout io.Writer, write func(io.Writer) error) error {
	if name == "" {
		w := bufio.NewWriter(stdout)
		if err := write(w); err != nil {
			return err
		}
		return w.Flush()
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	w := bufio.NewWriter(f)
	err = errors.Join(write(w), w.Flush(), f.Sync())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// synthLoad runs `hearth synth load`.
func synthLoad(ctx context.Context, cfg synthConfig, m *manifest.Manifest, g *synth.Generator, p *synth.Population, stdout io.Writer) error {
	prov, err := cfg.Creds.provisioner(m)
	if err != nil {
		return err
	}
	t := synth.Target{API: cfg.API, Provision: prov, Password: cfg.Password, Workers: cfg.Workers}
	if cfg.SourceAddrs != "" {
		if t.SignUpClients, err = sourceClients(cfg.SourceAddrs); err != nil {
			return err
		}
	}
	l, err := synth.Load(ctx, t, g, p)
	if err != nil {
		return err
	}
	s := p.Stats()
	fmt.Fprintf(stdout, "loaded %d synthetic households (seed %d): %d people, %d with an account, %d devices, %d consents given, %d refused\n",
		s.Households, cfg.Seed, s.People, s.Accounts, s.Devices, s.Given, s.Refused)
	if cfg.Password == "" {
		fmt.Fprintf(stdout, "every account's password: %s\n", l.Password)
	}
	for _, h := range p.Households {
		fmt.Fprintf(stdout, "household %s: owner %s\n", l.Households[h.ID], h.People[0].Email)
	}
	if cfg.Days == 0 {
		return nil
	}
	from, to, _ := cfg.span(time.Now())
	sent, err := l.Send(ctx, g.Readings(p, from, to))
	fmt.Fprintf(stdout, "readings: %d sent, %d stored, %d stored already, %d refused\n",
		sent.Total(), sent.Stored, sent.Duplicates, sent.Total()-sent.Stored-sent.Duplicates)
	reasons := make([]string, 0, len(sent.Refused))
	for r := range sent.Refused {
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	for _, r := range reasons {
		fmt.Fprintf(stdout, "  refused %d: %s\n", sent.Refused[r], r)
	}
	return err
}

// credsFlag is the repeatable --creds MODEL=FILE.
type credsFlag map[string]string

func (c *credsFlag) String() string { return "" }

func (c *credsFlag) Set(v string) error {
	model, file, ok := strings.Cut(v, "=")
	if !ok || model == "" || file == "" {
		return fmt.Errorf("give MODEL=FILE")
	}
	if *c == nil {
		*c = credsFlag{}
	}
	(*c)[model] = file
	return nil
}

// provisioner returns a synth.Target's Provision that hands out the
// credentials of the --creds files in order, each device once.
func (c credsFlag) provisioner(m *manifest.Manifest) (func(context.Context, string, string) (synth.Credential, error), error) {
	pools := map[string][]synth.Credential{}
	for model, file := range c {
		if _, ok := m.Model(model); !ok {
			return nil, usagef("--creds %s=%s: %q is not a model in the manifest", model, file, model)
		}
		cs, err := readCreds(file)
		if err != nil {
			return nil, err
		}
		pools[model] = cs
	}
	var mu sync.Mutex
	return func(_ context.Context, model, _ string) (synth.Credential, error) {
		mu.Lock()
		defer mu.Unlock()
		if len(pools[model]) == 0 {
			return synth.Credential{}, fmt.Errorf("no unclaimed %s device left: provision more with `hearth devices provision --model %s` and give them with --creds %s=FILE", model, model, model)
		}
		c := pools[model][0]
		pools[model] = pools[model][1:]
		return c, nil
	}, nil
}

// readCreds reads a credentials CSV of `hearth devices provision`, keeping
// the devices whose claim code is unused.
func readCreds(file string) ([]synth.Credential, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read credentials %s: %w", file, err)
	}
	var out []synth.Credential
	for i, r := range rows {
		if len(r) != 3 {
			return nil, fmt.Errorf("read credentials %s: line %d: want device_id,secret,claim_code", file, i+1)
		}
		if i == 0 && r[0] == "device_id" || r[2] == "" {
			continue
		}
		out = append(out, synth.Credential{DeviceID: r[0], Secret: r[1], ClaimCode: r[2]})
	}
	return out, nil
}

// sourceClients returns one HTTP client per local address, each sending
// from it.
func sourceClients(list string) ([]*http.Client, error) {
	var cs []*http.Client
	for _, a := range strings.Split(list, ",") {
		ip := net.ParseIP(strings.TrimSpace(a))
		if ip == nil {
			return nil, usagef("--source-addrs: %q is not an IP address", a)
		}
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 10 * time.Second}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = d.DialContext
		cs = append(cs, &http.Client{Transport: tr, Timeout: time.Minute})
	}
	return cs, nil
}
