package mqtt_test

import (
	"bytes"
	"io"
	"net"
	"runtime"
	"testing"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/hearth-iot/hearth"
)

// BenchmarkIdleConnection measures what an idle connected device costs the
// broker: b.N devices connect over raw TCP (no client library in this
// process, so the figures are the server's), authenticate and stay idle.
// It reports Go heap and goroutine stack bytes per connection, after a
// garbage collection, and goroutines per connection. Issue 2's target is at
// most 16 KB of resident memory per idle device; bench/ingest.sh measures
// the resident figure of the real server.
func BenchmarkIdleConnection(b *testing.B) {
	e := newEnv(b)
	creds := make([][2]string, b.N)
	for i := range creds {
		dev, secret := e.Device(b, true, hearth.ModeCloud)
		creds[i] = [2]string{dev.ID, secret}
	}
	before := memSnapshot()
	conns := make([]net.Conn, 0, b.N)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	b.ResetTimer()
	for _, c := range creds {
		conns = append(conns, rawConnect(b, e.broker.Addr().String(), c[0], c[1]))
	}
	b.StopTimer()
	after := memSnapshot()
	n := float64(b.N)
	b.ReportMetric(float64(after.heap-before.heap)/n, "heap-B/conn")
	b.ReportMetric(float64(after.stack-before.stack)/n, "stack-B/conn")
	b.ReportMetric(float64(after.goroutines-before.goroutines)/n, "goroutines/conn")
}

type mem struct {
	heap, stack uint64
	goroutines  int
}

// memSnapshot collects garbage and returns the live heap, the goroutine
// stacks in use and the goroutine count.
func memSnapshot() mem {
	for range 6 {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return mem{heap: ms.HeapInuse, stack: ms.StackInuse, goroutines: runtime.NumGoroutine()}
}

// rawConnect opens a TCP connection, sends an MQTT 3.1.1 CONNECT with the
// device's credentials and checks for a CONNACK accepting it.
func rawConnect(b *testing.B, addr, id, secret string) net.Conn {
	b.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatalf("dial: %v", err)
	}
	pk := packets.Packet{
		FixedHeader:     packets.FixedHeader{Type: packets.Connect},
		ProtocolVersion: 4,
		Connect: packets.ConnectParams{
			ProtocolName: []byte("MQTT"), ClientIdentifier: id, Clean: true, Keepalive: 600,
			UsernameFlag: true, Username: []byte(id), PasswordFlag: true, Password: []byte(secret),
		},
	}
	var buf bytes.Buffer
	if err := pk.ConnectEncode(&buf); err != nil {
		b.Fatalf("encode CONNECT: %v", err)
	}
	if _, err := conn.Write(buf.Bytes()); err != nil {
		b.Fatalf("send CONNECT: %v", err)
	}
	ack := make([]byte, 4)
	if _, err := io.ReadFull(conn, ack); err != nil {
		b.Fatalf("read CONNACK: %v", err)
	}
	if ack[0] != packets.Connack<<4 || ack[3] != 0 {
		b.Fatalf("CONNACK = % x, want 20 02 00 00", ack)
	}
	return conn
}
