package mqtt_test

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ingest/ingesttest"
	"github.com/hearth-iot/hearth/mqtt"
)

// mosquittoVersions are the -V values of mosquitto_pub and mosquitto_sub.
var mosquittoVersions = []string{"mqttv311", "mqttv5"}

// mosquitto runs a Debian mosquitto client (mosquitto_pub or
// mosquitto_sub) against the broker with -d and returns its combined
// output and exit status.
func (e *env) mosquitto(t *testing.T, tool string, args ...string) (string, int) {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		t.Fatalf("%s is required (apt-get install mosquitto-clients): %v", tool, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	args = append([]string{"-h", e.host, "-p", e.port, "-d"}, args...)
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish in %v:\n%s", tool, waitBound, out)
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(out), exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("run %s: %v", tool, err)
	}
	return string(out), 0
}

// waitStored polls until device devID has a reading with message ID id,
// failing after waitBound (QoS 0 has no acknowledgement to wait for).
func (e *env) waitStored(t *testing.T, devID, id string) {
	t.Helper()
	deadline := time.Now().Add(waitBound)
	for {
		if _, ok := e.stored(t, devID)[id]; ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("reading %s not stored after %v", id, waitBound)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// INT-DEVICES: the Debian mosquitto_pub and mosquitto_sub, with MQTT
// 3.1.1 and 5, as documented in docs/device-protocol.md: what each prints
// and its exit status, for publishing, refusals and subscriptions.
func TestMosquittoClients(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	other, _ := e.Device(t, true, hearth.ModeCloud)
	creds := []string{"-i", dev.ID, "-u", dev.ID, "-P", secret}
	for _, v := range mosquittoVersions {
		pub := func(t *testing.T, args ...string) (string, int) {
			return e.mosquitto(t, "mosquitto_pub", append([]string{"-V", v}, args...)...)
		}
		sub := func(t *testing.T, args ...string) (string, int) {
			return e.mosquitto(t, "mosquitto_sub", append([]string{"-V", v}, args...)...)
		}
		t.Run(v+"/QoS 1 stored", func(t *testing.T) {
			id := "q1-" + v
			out, code := pub(t, append(creds, "-q", "1", "-t", mqtt.ReadingsTopic(dev.ID), "-m", string(ingesttest.Payload(id, "temperature", "")))...)
			if code != 0 || !strings.Contains(out, "received PUBACK") {
				t.Fatalf("exit %d, output:\n%s\nwant exit 0 after a PUBACK", code, out)
			}
			if _, ok := e.stored(t, dev.ID)[id]; !ok { // the PUBACK means stored
				t.Errorf("reading %s not stored when mosquitto_pub had its PUBACK", id)
			}
		})
		t.Run(v+"/QoS 0 stored", func(t *testing.T) {
			id := "q0-" + v
			out, code := pub(t, append(creds, "-q", "0", "-t", mqtt.ReadingsTopic(dev.ID), "-m", string(ingesttest.Payload(id, "temperature", "")))...)
			if code != 0 {
				t.Fatalf("exit %d, output:\n%s", code, out)
			}
			e.waitStored(t, dev.ID, id)
		})
		t.Run(v+"/wrong password", func(t *testing.T) { // SEC-BRUTE
			want := map[string]string{"mqttv311": "CONNACK (5)", "mqttv5": "CONNACK (134)"}[v]
			out, code := pub(t, "-i", dev.ID, "-u", dev.ID, "-P", "wrong", "-q", "1", "-t", mqtt.ReadingsTopic(dev.ID), "-m", "{}")
			if code == 0 || !strings.Contains(out, want) {
				t.Errorf("exit %d, output:\n%s\nwant a failure after %s", code, out, want)
			}
		})
		t.Run(v+"/another device's topic", func(t *testing.T) { // SEC-AUTHZ
			id := "x-" + v
			out, code := pub(t, append(creds, "-q", "1", "-t", mqtt.ReadingsTopic(other.ID), "-m", string(ingesttest.Payload(id, "temperature", "")))...)
			switch v {
			case "mqttv5": // PUBACK 0x87, reported as a warning
				if !strings.Contains(out, "PUBACK (Mid: 1, RC:135)") || !strings.Contains(out, "Not authorized") {
					t.Errorf("exit %d, output:\n%s\nwant PUBACK RC:135 Not authorized", code, out)
				}
			default: // the connection is closed before any PUBACK
				if code == 0 || strings.Contains(out, "received PUBACK") {
					t.Errorf("exit %d, output:\n%s\nwant a failure without a PUBACK", code, out)
				}
			}
			if got := len(e.stored(t, other.ID)); got != 0 {
				t.Errorf("other device: %d readings stored, want 0", got)
			}
		})
		t.Run(v+"/subscribe to own commands", func(t *testing.T) {
			out, code := e.mosquitto(t, "mosquitto_sub", append([]string{"-V", v, "-E", "-q", "1", "-t", mqtt.CommandsTopic(dev.ID)}, creds...)...)
			if code != 0 || !strings.Contains(out, "Subscribed (mid: 1): 1") {
				t.Errorf("exit %d, output:\n%s\nwant granted QoS 1", code, out)
			}
		})
		t.Run(v+"/subscribe to another topic", func(t *testing.T) { // SEC-AUTHZ
			want := map[string]string{"mqttv311": "Subscribed (mid: 1): 128", "mqttv5": "Subscribed (mid: 1): 135"}[v]
			for _, filter := range []string{mqtt.CommandsTopic(other.ID), "hearth/v1/devices/+/commands", "#"} {
				out, _ := sub(t, append(creds, "-E", "-q", "1", "-t", filter)...)
				if !strings.Contains(out, want) || !strings.Contains(out, "All subscription requests were denied") {
					t.Errorf("subscribe %s: output:\n%s\nwant %s, all denied", filter, out, want)
				}
			}
		})
	}
	if got := len(e.stored(t, dev.ID)); got != 2*len(mosquittoVersions) {
		t.Errorf("stored readings = %d, want %d", got, 2*len(mosquittoVersions))
	}
}

// SEC-ENCRYPT, INT-DEVICES: the documented mosquitto_pub command, over TLS
// as deployed (OpenSSL, not Go's TLS, on the client side), with MQTT 3.1.1
// and 5; and mosquitto_sub receives a command over TLS.
func TestMosquittoTLS(t *testing.T) {
	cert, _ := selfSigned(t)
	e := newEnvWith(t, true, func(c *mqtt.Config) {
		c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	})
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	creds := []string{"--cafile", ca, "-i", dev.ID, "-u", dev.ID, "-P", secret}
	for _, v := range mosquittoVersions {
		t.Run(v, func(t *testing.T) {
			id := "tls-" + v
			out, code := e.mosquitto(t, "mosquitto_pub", append([]string{"-V", v, "-q", "1", "-t", mqtt.ReadingsTopic(dev.ID),
				"-m", string(ingesttest.Payload(id, "temperature", ""))}, creds...)...)
			if code != 0 || !strings.Contains(out, "received PUBACK") {
				t.Fatalf("exit %d, output:\n%s\nwant exit 0 after a PUBACK", code, out)
			}
			if _, ok := e.stored(t, dev.ID)[id]; !ok {
				t.Errorf("reading %s not stored when mosquitto_pub had its PUBACK", id)
			}
			out = e.commandToSub(t, dev.ID, []byte(`{"set":"tls"}`), append([]string{"-V", v, "-q", "1"}, creds...)...)
			if !strings.Contains(out, `{"set":"tls"}`) {
				t.Errorf("mosquitto_sub over TLS: output:\n%s\nwant the command", out)
			}
		})
	}
}

// mosquitto_pub -l publishes every line of its input on one connection,
// many in flight at once (libmosquitto keeps to the server's Receive
// Maximum with MQTT 5): each gets a successful PUBACK and is stored
// exactly once.
func TestMosquittoPipelined(t *testing.T) {
	e := newEnv(t)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	path, err := exec.LookPath("mosquitto_pub")
	if err != nil {
		t.Fatalf("mosquitto_pub is required (apt-get install mosquitto-clients): %v", err)
	}
	const n = 3 * mqtt.ReceiveMaximum
	for _, v := range mosquittoVersions {
		t.Run(v, func(t *testing.T) {
			var in strings.Builder
			for i := range n {
				fmt.Fprintf(&in, "%s\n", ingesttest.Payload(fmt.Sprintf("l-%s-%d", v, i), "temperature", ""))
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitBound)
			defer cancel()
			cmd := exec.CommandContext(ctx, path, "-h", e.host, "-p", e.port, "-d", "-V", v, "-q", "1", "-l",
				"-i", dev.ID, "-u", dev.ID, "-P", secret, "-t", mqtt.ReadingsTopic(dev.ID))
			cmd.Stdin = strings.NewReader(in.String())
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("mosquitto_pub -l: %v, output:\n%s", err, out)
			}
			if got := strings.Count(string(out), "received PUBACK"); got != n {
				t.Errorf("PUBACKs = %d, want %d", got, n)
			}
			if got := strings.Count(string(out), "RC:") - strings.Count(string(out), "RC:0)"); got != 0 {
				t.Errorf("%d PUBACKs with a failure code, want none:\n%s", got, out)
			}
		})
	}
	if got := len(e.stored(t, dev.ID)); got != n*len(mosquittoVersions) { // stored fails on a duplicate
		t.Errorf("stored readings = %d, want %d", got, n*len(mosquittoVersions))
	}
}
