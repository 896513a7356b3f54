package main

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/lifecycle"
	"github.com/hearth-iot/hearth/mqtt"
)

// startLifecycle starts the device lifecycle service (transfers, resets,
// local-only mode) and registers it for the device events it handles.
// The erasure service must be running.
func (s *server) startLifecycle() error {
	svc, err := lifecycle.NewService(lifecycle.Config{
		Store: s.store, Eraser: s.erasure, Auth: s.auth,
		Commander: &s.commander, CredentialChanged: s.credentialChanged,
	})
	if err != nil {
		return fmt.Errorf("device lifecycle: %w", err)
	}
	s.lifecycle = svc
	s.events.Register(hearth.EventFactoryReset, svc)
	s.events.Register(hearth.EventCommandRefused, svc)
	return nil
}

// commander sends commands through the broker once it runs; before, no
// device is connected.
type commander struct{ broker atomic.Pointer[mqtt.Broker] }

// Command implements hearth.DeviceCommander.
func (c *commander) Command(ctx context.Context, deviceID string, cmd []byte) error {
	b := c.broker.Load()
	if b == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "device %s is not connected", deviceID)
	}
	return b.Command(ctx, deviceID, cmd)
}
