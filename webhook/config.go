package webhook

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/hearth-iot/hearth/manifest"
)

// maxConfigSize bounds the recipients file.
const maxConfigSize = 1 << 20

// LoadConfig reads the recipients file at path: one recipient per line,
//
//	<recipient-id> <url or -> <secret>
//
// where the recipient ID is one the manifest declares, "-" takes the
// manifest's erasure_endpoint for it, and the secret is the shared HMAC
// key (at least MinSecretLen characters). Blank lines and lines starting
// with # are ignored. The file holds secrets: it is refused if group or
// others may read it. A URL must be https, except on a loopback address.
func LoadConfig(path string, m *manifest.Manifest) (map[string]Endpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open recipients file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat recipients file: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("recipients file %s has mode %#o: it holds secrets, so group and others must have no access (chmod 600 it)", path, perm)
	}
	return parseConfig(path, io.LimitReader(f, maxConfigSize), m)
}

func parseConfig(name string, r io.Reader, m *manifest.Manifest) (map[string]Endpoint, error) {
	out := map[string]Endpoint{}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		id, ep, err := parseLine(text, m)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("%s:%d: recipient %s is configured twice", name, line, id)
		}
		out[id] = ep
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return out, nil
}

func parseLine(text string, m *manifest.Manifest) (string, Endpoint, error) {
	fields := strings.Fields(text)
	if len(fields) != 3 {
		return "", Endpoint{}, fmt.Errorf("want three fields: recipient ID, URL (or -) and secret")
	}
	id, u, secret := fields[0], fields[1], fields[2]
	var rec *manifest.Recipient
	for i := range m.Recipients {
		if m.Recipients[i].ID == id {
			rec = &m.Recipients[i]
		}
	}
	if rec == nil {
		return "", Endpoint{}, fmt.Errorf("recipient %q is not declared in the manifest", id)
	}
	if u == "-" {
		u = rec.ErasureEndpoint
		if u == "" {
			return "", Endpoint{}, fmt.Errorf("recipient %s has no erasure_endpoint in the manifest: give a URL", id)
		}
	}
	if err := checkURL(u); err != nil {
		return "", Endpoint{}, err
	}
	if len(secret) < MinSecretLen {
		return "", Endpoint{}, fmt.Errorf("the secret of recipient %s is too short: use at least %d characters", id, MinSecretLen)
	}
	return id, Endpoint{URL: u, Secret: []byte(secret)}, nil
}

// checkURL accepts https, and http on a loopback host only.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	if u.Scheme == "https" {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); u.Scheme == "http" && (host == "localhost" || ip != nil && ip.IsLoopback()) {
		return nil
	}
	return fmt.Errorf("%q: use https (plain http only on a loopback address)", raw)
}
