package main

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth/notify"
)

// startNotify builds the notification service and compares the manifest
// with the one recorded at the previous start: if processing changed,
// every household member is notified, and if the terms changed, every
// account holder (USAGE-CHANGE, TOS-PERMISSION). It runs before the server
// listens, so nobody reads data under the new manifest before the change
// is recorded; nodes starting together compare one at a time, so the
// change is recorded and notified once.
func (s *server) startNotify(ctx context.Context) error {
	n, err := notify.NewService(notify.Config{Store: s.store, Manifest: s.manifest, Logger: s.log})
	if err != nil {
		return fmt.Errorf("notification service: %w", err)
	}
	var rep notify.Report
	err = s.exclusive(ctx, "start-up", func() (err error) {
		rep, err = n.ManifestLoaded(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("compare manifest with the last one loaded: %w", err)
	}
	s.notify = n
	switch {
	case rep.First:
		s.log.Info("manifest recorded", "version", s.manifest.Version)
	case rep.Changed:
		s.log.Info("manifest changed since the last start", "from", rep.Changes.From, "to", rep.Changes.To,
			"changes", len(rep.Changes.Items), "terms_changed", rep.TermsChanged, "notifications", rep.Notified)
	}
	return nil
}
