package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/firmware"
	"github.com/hearth-iot/hearth/firmware/updates"
)

const firmwareUsage = `Usage: hearth firmware COMMAND [flags]

Signed firmware releases (SEC-UPDATES). The manufacturer's side:

	keygen     create an Ed25519 signing key: KEY.key (mode 0600) and KEY.pub
	sign       write a release's signed metadata for an image

The operator's side, on the server's data directory (it may run while the
server runs; the server sends what a rollout records):

	publish    check a signed release as a device would and store it
	rollout    offer a release to a model's devices, all or staged
	releases   list the published releases
	refused    list refused update requests (a device the caller may not update)

Run "hearth firmware COMMAND --help" for a command's flags.
`

// runFirmware runs `hearth firmware ...`.
func runFirmware(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, firmwareUsage)
		return usagef("firmware: give a command")
	}
	switch args[0] {
	case "keygen":
		return runFirmwareKeygen(args[1:], getenv, stdout, stderr)
	case "sign":
		return runFirmwareSign(args[1:], getenv, stdout, stderr)
	case "publish":
		return runFirmwarePublish(ctx, args[1:], getenv, stdout, stderr)
	case "rollout":
		return runFirmwareRollout(ctx, args[1:], getenv, stdout, stderr)
	case "releases":
		return runFirmwareReleases(ctx, args[1:], getenv, stdout, stderr)
	case "refused":
		return runFirmwareRefused(ctx, args[1:], getenv, stdout, stderr)
	case "help", "--help", "-help", "-h":
		fmt.Fprint(stdout, firmwareUsage)
		return nil
	}
	fmt.Fprint(stderr, firmwareUsage)
	return usagef("firmware: unknown command %q", args[0])
}

const keygenSummary = `Creates an Ed25519 firmware signing key: OUT.key, the private key (PEM,
PKCS #8, mode 0600; keep it offline), and OUT.pub, the public key (PEM)
that devices trust and the server checks releases with (--firmware-keys).
It refuses to overwrite either file.`

func runFirmwareKeygen(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var out string
	fs := newFlagSet("firmware keygen", keygenSummary, stderr)
	fs.StringVar(&out, "out", "", "path prefix of the key files: writes OUT.key and OUT.pub")
	if err := parseFlags(fs, args, getenv); err != nil {
		return helpOK(err)
	}
	if out == "" {
		return usagef("firmware keygen: give --out")
	}
	priv, err := firmware.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	privPEM, err := firmware.MarshalPrivateKey(priv)
	if err != nil {
		return err
	}
	pub := priv.Public().(ed25519.PublicKey)
	pubPEM, err := firmware.MarshalPublicKey(pub)
	if err != nil {
		return err
	}
	if err := writeNew(out+".key", privPEM, 0o600); err != nil {
		return err
	}
	if err := writeNew(out+".pub", pubPEM, 0o644); err != nil {
		os.Remove(out + ".key")
		return err
	}
	fmt.Fprintf(stdout, "wrote %s.key and %s.pub (key ID %s)\n", out, out, firmware.KeyID(pub))
	return nil
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists already: not overwriting it", path)
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

const signSummary = `Writes the signed metadata of a firmware release: the image's SHA-256 hash
and length, the model and version, when the metadata expires, whether the
release changes what the device does (--substantial: people are told
beforehand, with --notes) and the release notes, signed with the key.`

// signFlags are hearth firmware sign's flags.
type signFlags struct {
	key, image, model, version, expires, notes, out string
	substantial                                     bool
}

func runFirmwareSign(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var f signFlags
	fs := newFlagSet("firmware sign", signSummary, stderr)
	fs.StringVar(&f.key, "key", "", "the private key file (from hearth firmware keygen)")
	fs.StringVar(&f.image, "image", "", "the firmware image file")
	fs.StringVar(&f.model, "model", "", "the device model ID from the manifest")
	fs.StringVar(&f.version, "version", "", "the release's version, MAJOR.MINOR.PATCH")
	fs.StringVar(&f.expires, "expires", "90d", "when the metadata expires: a time (RFC 3339, 2027-06-01T00:00:00Z) or a number of days from now (90d)")
	fs.BoolVar(&f.substantial, "substantial", false, "the release changes what the device does: households are notified beforehand with the notes")
	fs.StringVar(&f.notes, "notes", "", "release notes: what changes, in plain language (required with --substantial)")
	fs.StringVar(&f.out, "out", "", "the metadata file to write (default: standard output)")
	if err := parseFlags(fs, args, getenv); err != nil {
		return helpOK(err)
	}
	if f.key == "" || f.image == "" || f.model == "" || f.version == "" {
		return usagef("firmware sign: give --key, --image, --model and --version")
	}
	expires, err := parseExpiry(f.expires, time.Now())
	if err != nil {
		return err
	}
	md, err := signRelease(f, expires)
	if err != nil {
		return err
	}
	if f.out == "" {
		_, err := fmt.Fprintf(stdout, "%s\n", md)
		return err
	}
	return writeNew(f.out, append(md, '\n'), 0o644)
}

// signRelease reads the key and the image and signs the release.
func signRelease(f signFlags, expires time.Time) ([]byte, error) {
	keyPEM, err := os.ReadFile(f.key)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	priv, err := firmware.ParsePrivateKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.key, err)
	}
	image, err := readImage(f.image)
	if err != nil {
		return nil, err
	}
	md, err := firmware.Sign(priv, firmware.NewRelease(f.model, f.version, image, expires, f.substantial, f.notes))
	if err != nil {
		return nil, usagef("firmware sign: %v", err)
	}
	return md, nil
}

// readImage reads a firmware image, refusing one over firmware.MaxImageSize.
func readImage(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	if st.Size() > firmware.MaxImageSize {
		return nil, fmt.Errorf("image %s: %d bytes, over the limit of %d", path, st.Size(), firmware.MaxImageSize)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	return b, nil
}

// parseExpiry reads --expires: an RFC 3339 time in the future, or Nd days
// from now.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > 3660 {
			return time.Time{}, usagef("--expires: %q: give a number of days from 1 to 3660, such as 90d", s)
		}
		return now.Add(time.Duration(n) * 24 * time.Hour), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usagef("--expires: %q is neither an RFC 3339 time (2027-06-01T00:00:00Z) nor a number of days (90d)", s)
	}
	if !t.After(now) {
		return time.Time{}, usagef("--expires: %s is not in the future", s)
	}
	return t, nil
}

const publishSummary = `Checks a signed release and its image as a device would, against the
trusted public keys (--keys), and stores it for its model in the data
directory: it refuses an unsigned, wrongly signed, modified or expired
release, a model the manifest does not declare, and a version not higher
than the model's published ones.`

func runFirmwarePublish(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := exportConfig{serveConfig: defaultServeConfig()}
	var keysFile, metaFile, imageFile string
	fs := newFlagSet("firmware publish", publishSummary, stderr)
	cfg.registerStore(fs)
	fs.StringVar(&keysFile, "keys", "", "the trusted public keys file (PEM; one or more keys)")
	fs.StringVar(&metaFile, "metadata", "", "the signed metadata file (from hearth firmware sign)")
	fs.StringVar(&imageFile, "image", "", "the firmware image file")
	if err := parseFlags(fs, args, getenv); err != nil {
		return helpOK(err)
	}
	if keysFile == "" || metaFile == "" || imageFile == "" {
		return usagef("firmware publish: give --keys, --metadata and --image")
	}
	trusted, err := readTrustedKeys(keysFile)
	if err != nil {
		return err
	}
	md, err := os.ReadFile(metaFile)
	if err != nil {
		return fmt.Errorf("metadata: %w", err)
	}
	image, err := readImage(imageFile)
	if err != nil {
		return err
	}
	return withCore(cfg.serveConfig, func(c *core) error {
		rel, err := c.updates.Publish(ctx, trusted, md, image)
		if err != nil {
			return err
		}
		if err := c.recordAdmin(ctx, "firmware publish", rel.Model+"@"+rel.Version, ""); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "published %s %s (%d bytes, sha256 %s, substantial %t, expires %s)\n",
			rel.Model, rel.Version, rel.Length, rel.SHA256, rel.Substantial, rel.Expires.Format(time.RFC3339))
		return nil
	})
}

// readTrustedKeys reads a PEM file of Ed25519 public keys.
func readTrustedKeys(path string) ([]ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("trusted keys: %w", err)
	}
	keys, err := firmware.ParsePublicKeys(b)
	if err != nil {
		return nil, fmt.Errorf("trusted keys %s: %w", path, err)
	}
	return keys, nil
}

const rolloutSummary = `Offers a published release to a model's devices: every device, a
percentage of them (--percent; raising it later keeps the devices reached
before) or a list (--devices). For a substantial release, every member of
the households concerned is notified with the release notes first. Offers
are recorded as pending; the running server sends each device its update
command when it is connected (within a minute).`

func runFirmwareRollout(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := exportConfig{serveConfig: defaultServeConfig()}
	var model, version, devices string
	var percent int
	fs := newFlagSet("firmware rollout", rolloutSummary, stderr)
	cfg.registerStore(fs)
	fs.StringVar(&model, "model", "", "the device model ID")
	fs.StringVar(&version, "version", "", "the published version to roll out")
	fs.IntVar(&percent, "percent", 0, "offer it to this percentage of the model's devices, 1 to 100 (default: all)")
	fs.StringVar(&devices, "devices", "", "offer it to these devices only: IDs separated by commas")
	if err := parseFlags(fs, args, getenv); err != nil {
		return helpOK(err)
	}
	if model == "" || version == "" {
		return usagef("firmware rollout: give --model and --version")
	}
	st := updates.Stage{Percent: percent}
	if devices != "" {
		st.Devices = strings.Split(devices, ",")
	}
	return withCore(cfg.serveConfig, func(c *core) error {
		r, err := c.updates.Rollout(ctx, model, version, st)
		if err != nil {
			return err
		}
		if err := c.recordAdmin(ctx, "firmware rollout", model+"@"+version, ""); err != nil {
			return err
		}
		return printRollout(stdout, r)
	})
}

func printRollout(w io.Writer, r *updates.Rollout) error {
	offered := 0
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, o := range r.Devices {
		status := string(o.Status)
		if status == "" {
			status = "skipped"
		} else {
			offered++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", o.DeviceID, status, o.Note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%s %s offered to %d devices; %d people notified beforehand\n", r.Model, r.Version, offered, r.Notified)
	return err
}

func runFirmwareReleases(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := exportConfig{serveConfig: defaultServeConfig()}
	var model string
	var asJSON bool
	fs := newFlagSet("firmware releases", "Lists the published firmware releases, latest first.", stderr)
	cfg.registerStore(fs)
	fs.StringVar(&model, "model", "", "list this model's releases only")
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	if err := parseFlags(fs, args, getenv); err != nil {
		return helpOK(err)
	}
	return withCore(cfg.serveConfig, func(c *core) error {
		rs, err := c.updates.Releases(ctx, model)
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(stdout).Encode(rs)
		}
		tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "MODEL\tVERSION\tSUBSTANTIAL\tEXPIRES\tPUBLISHED")
		for _, r := range rs {
			fmt.Fprintf(tw, "%s\t%s\t%t\t%s\t%s\n", r.Model, r.Version, r.Substantial, r.Expires.Format(time.RFC3339), r.Published.Format(time.RFC3339))
		}
		return tw.Flush()
	})
}

const refusedSummary = `Lists the firmware update requests the server refused because the caller
may not update the device (not a member of its household, not an owner, or
no such device), latest first: when, the device ID as named, the caller's
person ID and why. Nothing else changed for them. The server deletes
these records after 90 days.`

func runFirmwareRefused(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := exportConfig{serveConfig: defaultServeConfig()}
	limit := 100
	fs := newFlagSet("firmware refused", refusedSummary, stderr)
	cfg.registerStore(fs)
	fs.IntVar(&limit, "limit", limit, "list at most this many")
	if err := parseFlags(fs, args, getenv); err != nil {
		return helpOK(err)
	}
	if limit <= 0 {
		return usagef("firmware refused: --limit must be positive")
	}
	return withCore(cfg.serveConfig, func(c *core) error {
		rs, err := c.updates.Refusals(ctx, limit)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "AT\tDEVICE\tPERSON\tPROBLEM")
		for _, r := range rs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.At.Format(time.RFC3339), r.DeviceID, r.PersonID, r.Problem)
		}
		return tw.Flush()
	})
}

// lateCommander sends commands through the broker once it runs (set), and
// answers ENOTFOUND (not connected) before that and in commands that run
// no broker. It is safe for concurrent use.
type lateCommander struct {
	p atomic.Pointer[updates.Commander]
}

func (l *lateCommander) set(c updates.Commander) { l.p.Store(&c) }

// Command implements updates.Commander.
func (l *lateCommander) Command(ctx context.Context, deviceID string, cmd []byte) error {
	c := l.p.Load()
	if c == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "no device is connected to this process")
	}
	return (*c).Command(ctx, deviceID, cmd)
}

// loadFirmwareKeys reads --firmware-keys, if given.
func (c *serveConfig) loadFirmwareKeys() ([]ed25519.PublicKey, error) {
	if c.FirmwareKeys == "" {
		return nil, nil
	}
	keys, err := readTrustedKeys(c.FirmwareKeys)
	if err != nil {
		return nil, usagef("--firmware-keys: %v", err)
	}
	return keys, nil
}

// The firmware passes' intervals: pending offers are sent to devices that
// connected since, and, at start and then daily, devices past their
// security-update end are noticed and refused firmware requests older
// than updates.RefusalRetention deleted.
const (
	deliverInterval = 10 * time.Second
	supportInterval = 24 * time.Hour
)

// startUpdates runs the firmware delivery pass until stopUpdates: every
// deliverInterval, the pending offers of the devices connected to this
// node are sent through its own gateway. Every node runs it, each for its
// own devices; the support-period pass is a scheduled job (runSupport).
func (s *server) startUpdates() error {
	local, err := updates.New(updates.Config{Store: s.store, Manifest: s.manifest, Commander: s.broker})
	if err != nil {
		return fmt.Errorf("firmware delivery: %w", err)
	}
	bg, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.runDelivery(bg, local)
	}()
	s.stopUpdates = func() { cancel(); <-done }
	return nil
}

// runDelivery runs svc's delivery pass every deliverInterval until ctx
// ends.
func (s *server) runDelivery(ctx context.Context, svc *updates.Service) {
	deliver := time.NewTicker(deliverInterval)
	defer deliver.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-deliver.C:
			if n, err := svc.Deliver(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("firmware delivery pass", "err", err)
			} else if n > 0 {
				s.log.Info("pending firmware updates sent", "devices", n)
			}
		}
	}
}

// runSupport runs the support-period pass at once and then every
// supportInterval, until ctx ends.
func (s *server) runSupport(ctx context.Context) {
	support := time.NewTicker(supportInterval)
	defer support.Stop()
	for {
		s.supportPass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-support.C:
		}
	}
}

func (s *server) supportPass(ctx context.Context) {
	if n, err := s.updates.PruneRefusals(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("refused firmware requests not pruned", "err", err)
	} else if n > 0 {
		s.log.Info("refused firmware requests past their retention deleted", "records", n)
	}
	n, err := s.updates.SupportPass(ctx)
	if err != nil && ctx.Err() == nil {
		s.log.Error("support-period pass", "err", err)
		return
	}
	if n > 0 {
		s.log.Info("devices past their security-update end noticed", "devices", n)
	}
}
