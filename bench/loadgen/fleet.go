package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// device is one simulated device on its own MQTT connection.
type device struct {
	id     string
	topic  string
	client mqtt.Client // nil if the connection failed
}

// connectTimeout bounds each CONNECT/CONNACK exchange.
const connectTimeout = 30 * time.Second

// connectFleet opens one MQTT 3.1.1 connection per credential, at most
// cfg.connectConc at a time. Devices whose connection fails keep a nil
// client; it returns how many failed and the first failure, so that a run
// against a wrong broker stops early with the reason.
func connectFleet(ctx context.Context, cfg *config, cs []cred) ([]*device, int, error) {
	devs := make([]*device, len(cs))
	var failed atomic.Int64
	var firstErr error
	var once sync.Once
	forEach(len(cs), cfg.connectConc, func(i int) {
		d := &device{id: cs[i].ID, topic: strings.ReplaceAll(cfg.topicTemplate, "{id}", cs[i].ID)}
		devs[i] = d
		if ctx.Err() != nil {
			failed.Add(1)
			once.Do(func() { firstErr = ctx.Err() })
			return
		}
		c, err := connect(cfg, cs[i])
		if err != nil {
			failed.Add(1)
			once.Do(func() { firstErr = fmt.Errorf("connect %s: %w", cs[i].ID, err) })
			return
		}
		d.client = c
	})
	return devs, int(failed.Load()), firstErr
}

// connect opens one device's connection: clean session, no automatic
// reconnection (a dropped connection shows as errors, not as a pause).
func connect(cfg *config, cr cred) (mqtt.Client, error) {
	o := mqtt.NewClientOptions().
		AddBroker(cfg.broker).
		SetClientID(cr.ID).
		SetProtocolVersion(4).
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetKeepAlive(cfg.keepAlive).
		SetConnectTimeout(connectTimeout).
		SetOrderMatters(false)
	if cr.Secret != "" {
		o.SetUsername(cr.ID).SetPassword(cr.Secret)
	}
	c := mqtt.NewClient(o)
	tok := c.Connect()
	if !tok.WaitTimeout(connectTimeout) {
		return nil, fmt.Errorf("no CONNACK within %v", connectTimeout)
	}
	if err := tok.Error(); err != nil {
		return nil, err
	}
	return c, nil
}

// connected returns the number of devices with an open connection.
func connected(devs []*device) int {
	n := 0
	for _, d := range devs {
		if d.client != nil && d.client.IsConnectionOpen() {
			n++
		}
	}
	return n
}

// disconnectFleet closes every open connection, concurrency at a time.
func disconnectFleet(devs []*device, concurrency int) {
	forEach(len(devs), concurrency, func(i int) {
		if c := devs[i].client; c != nil {
			c.Disconnect(100)
		}
	})
}

// forEach calls f(0..n-1) on at most conc goroutines and waits for them.
func forEach(n, conc int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(conc, n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		})
	}
	wg.Wait()
}
