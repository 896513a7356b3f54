// Command loadgen is Hearth's MQTT load generator: a fleet of simulated
// devices, each on its own MQTT 3.1.1 connection (a lean client of its own,
// or Eclipse Paho with --client paho), that publish
// QoS 1 readings open-loop on a fixed schedule and measure the latency from
// each message's scheduled send time to its PUBACK, so that a stalled broker
// shows up in the figures instead of slowing the generator down (coordinated
// omission is counted).
//
// The aggregate rate R is spread evenly over D devices: every device
// publishes every D/R seconds, device i offset by i/R, so the fleet as a whole
// publishes one message every 1/R seconds. Payloads follow the device
// protocol (docs/device-protocol.md): a unique "id" per message, "time",
// "category" and "values", padded to --payload-size bytes.
//
// With --idle it connects the fleet, prints a ready line and holds the
// connections open, for measuring a broker's memory per idle device.
// With --server-pid it reports the broker's CPU time over the measured
// window, per acknowledged message (several PIDs: summed), and with
// --store-pid a database server's (the process and its children). Several
// comma-separated --broker addresses, the nodes of one service, take the
// devices in turn.
//
// Usage:
//
//	loadgen --broker tcp://127.0.0.1:1883 --devices 1000 --rate 10000 --duration 30s
//	loadgen --broker tcp://127.0.0.1:1883 --creds creds.csv --devices 10000 --idle
//
// See bench/README.md for what each figure means.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: %v\n", err)
		os.Exit(1)
	}
}
