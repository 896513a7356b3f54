package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startMosquitto starts Debian's Mosquitto on a free loopback port, as
// bench/ingest.sh does, and returns its tcp:// address.
func startMosquitto(t *testing.T) string {
	t.Helper()
	return startMosquittoWith(t, "")
}

// startMosquittoWith starts Mosquitto with extra configuration lines for
// its listener.
func startMosquittoWith(t *testing.T, extra string) string {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/mosquitto"); err != nil {
			t.Fatalf("mosquitto not found (apt-get install -y mosquitto): %v", err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	conf := filepath.Join(t.TempDir(), "mosquitto.conf")
	_, port, _ := net.SplitHostPort(addr)
	text := fmt.Sprintf("listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n%s", port, extra)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", conf)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mosquitto: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for range 100 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "tcp://" + addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("mosquitto did not listen on %s: %s", addr, log.String())
	return ""
}

// TestRunAgainstMosquitto drives a real broker with both clients (the lean
// one and Eclipse Paho) and checks the message accounting: every scheduled
// message is sent once and acknowledged once. It asserts no timings.
func TestRunAgainstMosquitto(t *testing.T) {
	broker := startMosquitto(t)
	for _, client := range []string{clientLean, clientPaho} {
		t.Run(client, func(t *testing.T) { testRunAgainst(t, broker, client) })
	}
}

func testRunAgainst(t *testing.T, broker, client string) {
	tests := []struct {
		name          string
		devices       int
		rate          float64
		warmup        string
		wantScheduled int64
	}{
		{"one device", 1, 50, "0s", 50},
		{"more devices than workers", 100, 400, "0s", 400},
		{"warm-up not counted", 10, 100, "500ms", 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := []string{"--broker", broker, "--client", client, "--devices", fmt.Sprint(tt.devices), "--rate", fmt.Sprint(tt.rate),
				"--duration", "1s", "--warmup", tt.warmup, "--workers", "8", "--json"}
			if err := run(context.Background(), args, &out, &errOut); err != nil {
				t.Fatalf("run: %v\n%s", err, errOut.String())
			}
			var sum summary
			if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
				t.Fatalf("summary %q: %v", out.String(), err)
			}
			if sum.Connected != tt.devices || sum.ConnectFailed != 0 {
				t.Errorf("connected = %d (failed %d), want %d", sum.Connected, sum.ConnectFailed, tt.devices)
			}
			for name, got := range map[string]int64{"scheduled": sum.Scheduled, "sent": sum.Sent, "acked": sum.Acked} {
				if got != tt.wantScheduled {
					t.Errorf("%s = %d, want %d", name, got, tt.wantScheduled)
				}
			}
			if sum.Errors != 0 || sum.Unacked != 0 || sum.NotSent != 0 {
				t.Errorf("errors, unacked, not sent = %d, %d, %d, want 0 (first error: %s)",
					sum.Errors, sum.Unacked, sum.NotSent, sum.FirstError)
			}
			if sum.AckedTotal < sum.Acked {
				t.Errorf("acked_total = %d, below acked %d", sum.AckedTotal, sum.Acked)
			}
		})
	}
}

func TestRunIdle(t *testing.T) {
	broker := startMosquitto(t)
	for _, client := range []string{clientLean, clientPaho} {
		t.Run(client, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := []string{"--broker", broker, "--client", client, "--devices", "50", "--idle", "--duration", "200ms"}
			if err := run(context.Background(), args, &out, &errOut); err != nil {
				t.Fatalf("run: %v\n%s", err, errOut.String())
			}
			if got, want := strings.TrimSpace(out.String()), "loadgen: idle with 50 devices connected"; got != want {
				t.Errorf("output = %q, want %q", got, want)
			}
		})
	}
}

func TestRunRefusesBadInput(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no broker listening", []string{"--broker", "tcp://127.0.0.1:1", "--devices", "1"}, "no device connected"},
		{"not tcp", []string{"--broker", "mqtt://x"}, "want tcp://host:port"},
		{"mixed schemes", []string{"--broker", "tcp://127.0.0.1:1,tls://127.0.0.1:2"}, "all tcp:// or all tls://"},
		{"bad server pid", []string{"--server-pid", "12,x"}, `"x" is not a process ID`},
		{"unknown client", []string{"--client", "x"}, "want lean or paho"},
		{"bad source address", []string{"--source-addrs", "127.0.0.2,nope"}, `"nope" is not an IP address`},
		{"negative skip", []string{"--skip", "-1"}, "--skip must not be negative"},
		{"unknown TLS group", []string{"--broker", "tls://127.0.0.1:1", "--tls-groups", "x448"}, `unknown group "x448"`},
		{"zero rate", []string{"--rate", "0"}, "--rate must be positive"},
		{"oversized payload", []string{"--payload-size", "20000"}, "at most 16384"},
		{"topic without id", []string{"--topic-template", "t"}, "must contain {id}"},
		{"bad run id", []string{"--run-id", "a b"}, "--run-id"},
		{"missing creds", []string{"--creds", "/nonexistent.csv"}, "open credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
