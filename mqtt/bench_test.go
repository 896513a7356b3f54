package mqtt_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ingest/ingesttest"
	"github.com/hearth-iot/hearth/mqtt"
)

// BenchmarkPublishQoS1 publishes QoS 1 readings from 100 devices, each
// waiting for its PUBACK (a durable, sealed, gated commit) before the next,
// and reports stored readings per second.
func BenchmarkPublishQoS1(b *testing.B) {
	e := newEnv(b)
	const devices = 100
	clients := make([]paho.Client, devices)
	ids := make([]string, devices)
	for i := range clients {
		dev, secret := e.Device(b, true, hearth.ModeCloud)
		opts := paho.NewClientOptions().AddBroker("tcp://" + e.broker.Addr().String()).
			SetClientID(dev.ID).SetUsername(dev.ID).SetPassword(secret).SetProtocolVersion(4).SetAutoReconnect(false)
		c := paho.NewClient(opts)
		if tok := c.Connect(); !tok.WaitTimeout(waitBound) || tok.Error() != nil {
			b.Fatalf("connect: %v", tok.Error())
		}
		defer c.Disconnect(100)
		clients[i], ids[i] = c, dev.ID
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for i := range clients {
		wg.Go(func() {
			for n := next.Add(1); n <= int64(b.N); n = next.Add(1) {
				tok := clients[i].Publish(mqtt.ReadingsTopic(ids[i]), 1, false, ingesttest.Payload(fmt.Sprintf("b-%d", n), "temperature", ""))
				if !tok.WaitTimeout(waitBound) || tok.Error() != nil {
					b.Errorf("publish: no PUBACK (%v)", tok.Error())
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "readings/s")
}
