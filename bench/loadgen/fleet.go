package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// ackFunc receives the outcome of one QoS 1 publish: when its PUBACK
// arrived, or the error that ended it.
type ackFunc func(at time.Time, err error)

// session is one device's MQTT connection, as either client (--client)
// implements it.
type session interface {
	// publish sends payload at QoS 1 and calls done exactly once, without
	// waiting for the acknowledgement. It may keep payload only until it
	// returns.
	publish(topic string, payload []byte, done ackFunc)
	// ping sends a keep-alive if the connection has been silent for keepAlive.
	ping(now time.Time, keepAlive time.Duration)
	// open reports whether the connection is up.
	open() bool
	// close disconnects; messages still in flight fail.
	close()
}

// device is one simulated device on its own MQTT connection.
type device struct {
	id    string
	topic string
	s     session // nil if the connection failed
}

// connectTimeout bounds each connection's set-up, TLS and CONNECT/CONNACK.
const connectTimeout = 30 * time.Second

// connectFleet opens one MQTT 3.1.1 connection per credential, at most
// cfg.connectConc at a time. Devices whose connection fails keep a nil
// session; it returns how many failed and the first failure, so that a run
// against a wrong broker stops early with the reason.
func connectFleet(ctx context.Context, cfg *config, cs []cred) ([]*device, int, error) {
	devs := make([]*device, len(cs))
	var failed atomic.Int64
	var firstErr error
	var once sync.Once
	forEach(len(cs), cfg.connectConc, func(i int) {
		d := &device{id: cs[i].ID, topic: strings.ReplaceAll(cfg.topicTemplate, "{id}", cs[i].ID)}
		devs[i] = d
		err := ctx.Err()
		if err == nil {
			d.s, err = connect(ctx, cfg, i, cs[i])
		}
		if err != nil {
			failed.Add(1)
			once.Do(func() { firstErr = fmt.Errorf("connect %s: %w", cs[i].ID, err) })
		}
	})
	return devs, int(failed.Load()), firstErr
}

// connect opens device i's connection with the configured client.
func connect(ctx context.Context, cfg *config, i int, cr cred) (session, error) {
	if cfg.client == clientPaho {
		return dialPaho(cfg, i, cr)
	}
	s, err := dialLean(ctx, cfg, i, cr)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// pahoSession is a device on Eclipse Paho: clean session, no automatic
// reconnection (a dropped connection shows as errors, not as a pause).
type pahoSession struct{ c mqtt.Client }

func dialPaho(cfg *config, i int, cr cred) (*pahoSession, error) {
	o := mqtt.NewClientOptions().
		AddBroker(cfg.brokerOf(i)).
		SetClientID(cr.ID).
		SetProtocolVersion(4).
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetKeepAlive(cfg.keepAlive).
		SetConnectTimeout(connectTimeout).
		SetOrderMatters(false).
		SetDialer(&net.Dialer{Timeout: connectTimeout, LocalAddr: cfg.localAddr(i)})
	if cfg.tls != nil {
		o.SetTLSConfig(cfg.tls)
	}
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
	return &pahoSession{c: c}, nil
}

// publish hands the message to Paho and waits for its token on a goroutine
// of its own. Paho completes every token, with an error when the connection
// is lost or closed first.
func (p *pahoSession) publish(topic string, payload []byte, done ackFunc) {
	tok := p.c.Publish(topic, 1, false, bytes.Clone(payload))
	go func() {
		<-tok.Done()
		done(time.Now(), tok.Error())
	}()
}

func (p *pahoSession) ping(time.Time, time.Duration) {} // Paho keeps the connection alive itself
func (p *pahoSession) open() bool                    { return p.c.IsConnectionOpen() }
func (p *pahoSession) close()                        { p.c.Disconnect(100) }

// connected returns the number of devices with an open connection.
func connected(devs []*device) int {
	n := 0
	for _, d := range devs {
		if d.s != nil && d.s.open() {
			n++
		}
	}
	return n
}

// keepAlive pings every silent connection once three quarters of
// cfg.keepAlive have passed without a packet, until ctx is done.
func keepAlive(ctx context.Context, cfg *config, devs []*device) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			for _, d := range devs {
				if d.s != nil {
					d.s.ping(now, cfg.keepAlive*3/4)
				}
			}
		}
	}
}

// disconnectFleet closes every open connection, concurrency at a time.
func disconnectFleet(devs []*device, concurrency int) {
	forEach(len(devs), concurrency, func(i int) {
		if s := devs[i].s; s != nil {
			s.close()
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
