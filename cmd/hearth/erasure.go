package main

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth/erasure"
	"github.com/hearth-iot/hearth/webhook"
)

// noticeInterval is how often the erasure notice sender looks for notices
// due again (it also wakes whenever an erasure queues new ones).
const noticeInterval = 10 * time.Second

// startErasure builds the erasure service and re-applies the erasure
// journal (so a restored data backup cannot bring erased data back), one
// node at a time. The retention scheduler and the recipients' notice
// sender are scheduled jobs (jobs.go). It runs before the server listens.
func (s *server) startErasure(ctx context.Context, cfg serveConfig) error {
	var notifier erasure.Notifier
	if cfg.Recipients != "" {
		eps, err := webhook.LoadConfig(cfg.Recipients, s.manifest)
		if err != nil {
			return fmt.Errorf("recipients: %w", err)
		}
		notifier = &disclosed{Notifier: webhook.New(eps, nil), audit: s.audit, log: s.log}
	}
	svc, err := erasure.NewService(erasure.Config{
		Store: s.store, Keys: s.keys, Auth: s.auth, Households: s.households, Manifest: s.manifest, Policy: s.privacy.policy,
		Notifier: notifier, MembershipChanged: s.membershipChanged,
		Logger: s.log,
	})
	if err != nil {
		return err
	}
	var n int64
	err = s.exclusive(ctx, "start-up", func() (err error) {
		n, err = svc.Replay(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("re-apply erasures: %w", err)
	}
	if n > 0 {
		s.log.Info("erasures re-applied to restored data", "readings", n)
	}
	s.erasure = svc
	return nil
}
