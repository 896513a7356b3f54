package main

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// leanSession is the lean client's connection: MQTT 3.1.1 written straight
// to the socket, one reader goroutine per connection that matches PUBACKs to
// their callbacks, no per-message goroutine, channel or timer. Publishers
// never wait for an acknowledgement (open loop); a write blocks only when
// the broker stops reading (TCP back-pressure), and that shows in the
// latency of the messages due meanwhile.
type leanSession struct {
	conn net.Conn

	wmu       sync.Mutex // serialises writes and packet ID allocation
	wbuf      []byte
	nextID    uint16
	lastWrite atomic.Int64 // unix nanoseconds of the last packet written

	mu      sync.Mutex
	pending map[uint16]ackFunc // by packet ID; nil once closed
	err     error              // why the session closed
}

var (
	errClosed          = errors.New("connection closed")
	errTooManyInFlight = errors.New("65535 messages in flight on one connection")
)

// dialLean opens a connection, TLS when cfg.tls is set, and completes the
// CONNECT/CONNACK exchange within connectTimeout.
func dialLean(ctx context.Context, cfg *config, i int, cr cred) (*leanSession, error) {
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	d := net.Dialer{LocalAddr: cfg.localAddr(i)}
	c, err := d.DialContext(ctx, "tcp", cfg.addr(i))
	if err != nil {
		return nil, err
	}
	if cfg.tls != nil {
		tc := tls.Client(c, cfg.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, fmt.Errorf("TLS handshake: %w", err)
		}
		c = tc
	}
	if err := handshake(ctx, c, cr, cfg.keepAlive); err != nil {
		c.Close()
		return nil, err
	}
	s := &leanSession{conn: c, pending: map[uint16]ackFunc{}}
	s.lastWrite.Store(time.Now().UnixNano())
	go s.read()
	return s, nil
}

// handshake sends CONNECT and reads a successful CONNACK.
func handshake(ctx context.Context, c net.Conn, cr cred, keepAlive time.Duration) error {
	dl, _ := ctx.Deadline()
	c.SetDeadline(dl)
	defer c.SetDeadline(time.Time{})
	pk, err := encodeConnect(cr, uint16(min(keepAlive/time.Second, 65535)))
	if err != nil {
		return err
	}
	if _, err := c.Write(pk); err != nil {
		return fmt.Errorf("send CONNECT: %w", err)
	}
	var buf [maxInbound]byte
	n := 0
	for {
		m, err := c.Read(buf[n:])
		if err != nil {
			return fmt.Errorf("read CONNACK: %w", err)
		}
		n += m
		typ, body, _, err := nextPacket(buf[:n])
		if errors.Is(err, errShortPacket) && n < len(buf) {
			continue
		}
		switch {
		case err != nil:
			return fmt.Errorf("read CONNACK: %w", err)
		case typ != typeConnack || len(body) != 2:
			return fmt.Errorf("got packet type %d, want CONNACK", typ)
		case body[1] != 0:
			return fmt.Errorf("connection refused: CONNACK return code %d", body[1])
		}
		return nil
	}
}

// publish sends a QoS 1 PUBLISH; done is called once, from the reader
// goroutine when the PUBACK arrives, or with an error when the connection
// fails or closes first.
func (s *leanSession) publish(topic string, payload []byte, done ackFunc) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	id, err := s.track(done)
	if err != nil {
		done(time.Time{}, err)
		return
	}
	s.wbuf = appendPublish(s.wbuf[:0], topic, id, payload)
	if err := s.write(s.wbuf); err != nil {
		s.fail(fmt.Errorf("publish: %w", err))
	}
}

// track allocates a packet ID not in flight and records done under it.
// The caller holds wmu.
func (s *leanSession) track(done ackFunc) (uint16, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil {
		return 0, s.err
	}
	if len(s.pending) >= 65535 {
		return 0, errTooManyInFlight
	}
	for {
		s.nextID++
		if _, busy := s.pending[s.nextID]; s.nextID != 0 && !busy {
			s.pending[s.nextID] = done
			return s.nextID, nil
		}
	}
}

// write writes one packet. The caller holds wmu.
func (s *leanSession) write(p []byte) error {
	s.lastWrite.Store(time.Now().UnixNano())
	_, err := s.conn.Write(p)
	return err
}

// ping sends PINGREQ if nothing was written for keepAlive.
func (s *leanSession) ping(now time.Time, keepAlive time.Duration) {
	if now.UnixNano()-s.lastWrite.Load() < int64(keepAlive) || !s.open() {
		return
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.write(pingreq); err != nil {
		s.fail(fmt.Errorf("ping: %w", err))
	}
}

// read matches PUBACKs to their callbacks until the connection fails.
func (s *leanSession) read() {
	buf := make([]byte, 512)
	n := 0
	for {
		m, err := s.conn.Read(buf[n:])
		if err != nil {
			s.fail(fmt.Errorf("read: %w", err))
			return
		}
		n += m
		now := time.Now()
		off := 0
		for {
			typ, body, used, err := nextPacket(buf[off:n])
			if errors.Is(err, errShortPacket) {
				break
			}
			if err == nil {
				err = s.handle(typ, body, now)
			}
			if err != nil {
				s.fail(err)
				return
			}
			off += used
		}
		n = copy(buf, buf[off:n])
	}
}

// handle processes one inbound packet.
func (s *leanSession) handle(typ byte, body []byte, now time.Time) error {
	switch {
	case typ == typePingresp:
		return nil
	case typ != typePuback || len(body) != 2:
		return fmt.Errorf("unexpected packet type %d (%d bytes)", typ, len(body))
	}
	id := binary.BigEndian.Uint16(body)
	s.mu.Lock()
	done, ok := s.pending[id]
	delete(s.pending, id)
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("PUBACK for packet ID %d, not in flight", id)
	}
	done(now, nil)
	return nil
}

// fail closes the session once: every message in flight gets err.
func (s *leanSession) fail(err error) {
	s.mu.Lock()
	pending := s.pending
	if pending != nil {
		s.pending, s.err = nil, err
	}
	s.mu.Unlock()
	if pending == nil {
		return
	}
	s.conn.Close()
	for _, done := range pending {
		done(time.Time{}, err)
	}
}

// open reports whether the connection is still up.
func (s *leanSession) open() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending != nil
}

// close sends DISCONNECT and closes the connection; messages still in
// flight fail with errClosed.
func (s *leanSession) close() {
	if !s.open() {
		return
	}
	s.conn.SetWriteDeadline(time.Now().Add(time.Second)) // a publisher blocked in Write gives up the lock
	s.wmu.Lock()
	s.write([]byte{0xe0, 0x00})
	s.wmu.Unlock()
	s.fail(errClosed)
}
