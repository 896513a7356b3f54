package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mochi-mqtt/server/v2/packets"
)

// scriptedBroker is a bare MQTT 3.1.1 server for the lean client's
// accounting tests: it answers CONNECT with returnCode and then treats
// each connection's packets as behave says. It stands in for a broker that
// misbehaves in ways Mosquitto will not (never acknowledging, dropping the
// connection, acknowledging out of order); run_test.go drives real brokers.
type scriptedBroker struct {
	ln         net.Listener
	returnCode byte
	behave     string // "ack", "none", "close-after-5", "reverse-pairs", "refuse-second"
	pings      atomic.Int64
	conns      atomic.Int64
	wg         sync.WaitGroup
}

func startScripted(t *testing.T, returnCode byte, behave string) *scriptedBroker {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &scriptedBroker{ln: ln, returnCode: returnCode, behave: behave}
	b.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.wg.Go(func() { b.serve(c) })
		}
	})
	t.Cleanup(func() { ln.Close(); b.wg.Wait() })
	return b
}

func (b *scriptedBroker) url() string { return "tcp://" + b.ln.Addr().String() }

// serve runs one connection until the client leaves or the script ends it.
func (b *scriptedBroker) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	acked := 0
	var held []uint16
	for {
		first, err := r.ReadByte()
		if err != nil {
			return
		}
		n, _, err := packets.DecodeLength(r)
		if err != nil {
			return
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		switch first >> 4 {
		case packets.Connect:
			code := b.returnCode
			if b.conns.Add(1) == 2 && b.behave == "refuse-second" {
				code = 5
			}
			c.Write([]byte{0x20, 0x02, 0x00, code})
		case packets.Pingreq:
			b.pings.Add(1)
			c.Write([]byte{0xd0, 0x00})
		case packets.Publish:
			tl := int(binary.BigEndian.Uint16(body))
			id := binary.BigEndian.Uint16(body[2+tl:])
			switch b.behave {
			case "none":
			case "close-after-5":
				if acked == 5 {
					return
				}
				fallthrough
			case "ack", "refuse-second":
				c.Write(binary.BigEndian.AppendUint16([]byte{0x40, 0x02}, id))
				acked++
			case "reverse-pairs":
				if held = append(held, id); len(held) == 2 {
					for _, id := range []uint16{held[1], held[0]} {
						c.Write(binary.BigEndian.AppendUint16([]byte{0x40, 0x02}, id))
					}
					held = held[:0]
				}
			}
		case packets.Disconnect:
			return
		}
	}
}

// runJSON runs the generator with args and decodes its summary.
func runJSON(t *testing.T, args ...string) summary {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), append(args, "--json"), &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	var sum summary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatalf("summary %q: %v", out.String(), err)
	}
	return sum
}

// TestLeanAccounting checks that the lean client counts every scheduled
// message exactly once as acknowledged, failed or unacknowledged, whatever
// the broker does. It asserts no timings.
func TestLeanAccounting(t *testing.T) {
	tests := []struct {
		behave, devices                    string
		wantAcked, wantErrors, wantUnacked int64
		wantFirstErr                       string
	}{
		{"ack", "1", 40, 0, 0, ""},
		{"reverse-pairs", "1", 40, 0, 0, ""},
		{"none", "1", 0, 0, 40, ""},
		{"close-after-5", "1", 5, 35, 0, "read: EOF"},
		{"refuse-second", "2", 20, 20, 0, errNotConnected.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.behave, func(t *testing.T) {
			b := startScripted(t, 0, tt.behave)
			sum := runJSON(t, "--broker", b.url(), "--client", "lean", "--devices", tt.devices, "--connect-concurrency", "1", "--rate", "40",
				"--duration", "1s", "--warmup", "0s", "--drain", "500ms")
			if sum.Scheduled != 40 || sum.Sent+sum.NotSent != 40 {
				t.Errorf("scheduled, sent, not sent = %d, %d, %d, want 40 scheduled, all sent or not sent", sum.Scheduled, sum.Sent, sum.NotSent)
			}
			got := []int64{sum.Acked, sum.Errors, sum.Unacked + sum.NotSent}
			if want := []int64{tt.wantAcked, tt.wantErrors, tt.wantUnacked}; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("acked, errors, unacked = %v, want %v (first error %q)", got, want, sum.FirstError)
			}
			if !strings.Contains(sum.FirstError, tt.wantFirstErr) || (tt.wantFirstErr == "") != (sum.FirstError == "") {
				t.Errorf("first error = %q, want %q", sum.FirstError, tt.wantFirstErr)
			}
			if sum.KeptUp && tt.wantAcked < 40 {
				t.Errorf("kept up with %d of 40 acked", sum.Acked)
			}
		})
	}
}

func TestLeanRefusedConnection(t *testing.T) {
	b := startScripted(t, 5, "ack")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"--broker", b.url(), "--devices", "2", "--rate", "10"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "connection refused: CONNACK return code 5") {
		t.Errorf("err = %v, want the refusal with its return code", err)
	}
}

// TestLeanKeepAlive holds an idle device for three keep-alive intervals
// and checks that it pinged.
func TestLeanKeepAlive(t *testing.T) {
	b := startScripted(t, 0, "ack")
	var out, errOut bytes.Buffer
	args := []string{"--broker", b.url(), "--devices", "1", "--idle", "--duration", "3s", "--keepalive", "1s"}
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	b.ln.Close()
	b.wg.Wait() // the connection's packets are all counted
	if b.pings.Load() == 0 {
		t.Errorf("no PINGREQ in 3 s with a 1 s keep-alive")
	}
}

// TestSeveralBrokers checks that with a comma-separated --broker the
// devices take the brokers in turn (device i the (i mod n)th), as the
// nodes of one service behind no load balancer, and that every message is
// still counted once.
func TestSeveralBrokers(t *testing.T) {
	a, b := startScripted(t, 0, "ack"), startScripted(t, 0, "ack")
	sum := runJSON(t, "--broker", a.url()+","+b.url(), "--devices", "5", "--connect-concurrency", "1", "--rate", "50",
		"--duration", "1s", "--warmup", "0s", "--drain", "2s")
	if got := [2]int64{a.conns.Load(), b.conns.Load()}; got != [2]int64{3, 2} {
		t.Errorf("connections per broker = %v, want [3 2]", got)
	}
	if sum.Connected != 5 || sum.Acked != sum.Sent || sum.Errors != 0 || sum.Unacked != 0 {
		t.Errorf("connected %d, sent %d, acked %d, errors %d, unacked %d; want 5 connected and every message acked",
			sum.Connected, sum.Sent, sum.Acked, sum.Errors, sum.Unacked)
	}
}
