package main

import (
	"fmt"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/lifecycle"
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
