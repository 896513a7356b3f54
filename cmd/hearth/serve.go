package main

import (
	"context"
	"fmt"
	"io"
)

const serveSummary = `Runs the Hearth server: the HTTP API and the embedded MQTT device gateway, on the
data directory, or with --store on PostgreSQL, where several servers (nodes)
share one store and act as one service: a device may connect to any node and
a command reaches it from any node, and the scheduled jobs run on one node at
a time. It refuses plaintext on a non-loopback address unless --insecure is
given, and refuses a manifest with problems. SIGINT or SIGTERM shuts it down
gracefully.`

// runServe runs `hearth serve` until ctx is done.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := defaultServeConfig()
	fs := newFlagSet("serve", serveSummary, stderr)
	cfg.register(fs)
	if err := parseFlags(fs, args, getenv); err != nil {
		return helpOK(err)
	}
	if err := cfg.check(); err != nil {
		return err
	}
	log, err := newLogger(stderr, cfg.LogLevel)
	if err != nil {
		return err
	}
	m, err := cfg.loadManifest()
	if err != nil {
		return err
	}
	s, err := startServer(cfg, m, log, stdout)
	if err != nil {
		return err
	}
	<-ctx.Done()
	return s.stop()
}

// stop shuts the server down within shutdownTimeout.
func (s *server) stop() error {
	s.log.Info("shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := s.shutdown(ctx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	s.log.Info("hearth stopped")
	return nil
}
