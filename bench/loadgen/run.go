package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"
)

var errNotConnected = errors.New("device not connected")

// run parses args, connects the fleet, runs the load (or holds the fleet
// idle) and prints the summary to stdout. Progress lines go to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(cfg.procs))
	cs := anonymousCreds(cfg.skip, cfg.devices)
	if cfg.creds != "" {
		if cs, err = loadCreds(cfg.creds, cfg.skip, cfg.devices); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "loadgen: connecting %d devices to %s\n", len(cs), cfg.broker)
	devs, failed, err := connectFleet(ctx, cfg, cs)
	defer disconnectFleet(devs, cfg.connectConc)
	pingCtx, stopPing := context.WithCancel(ctx)
	defer stopPing()
	go keepAlive(pingCtx, cfg, devs)
	if failed == len(devs) {
		return fmt.Errorf("no device connected: %w", err)
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "loadgen: %d devices failed to connect, first: %v\n", failed, err)
	}
	if cfg.idle {
		return holdIdle(ctx, cfg, devs, failed, stdout)
	}
	p := newPlan(cfg, time.Now().Add(100*time.Millisecond))
	fmt.Fprintf(stderr, "loadgen: publishing %.0f msg/s for %v (+%v warm-up)\n", cfg.rate, cfg.duration, cfg.warmup)
	s := runLoad(ctx, cfg, devs, p)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("run interrupted: %w", err)
	}
	sum := summarize(cfg, devs, failed, p, s)
	sum.GoMaxProcs = runtime.GOMAXPROCS(0)
	return sum.write(stdout, cfg.json)
}

// holdIdle prints a ready line and keeps the fleet connected for
// cfg.duration, or until ctx is done when the duration is 0. It fails if
// connections dropped meanwhile.
func holdIdle(ctx context.Context, cfg *config, devs []*device, failed int, stdout io.Writer) error {
	open := connected(devs)
	if cfg.json {
		fmt.Fprintf(stdout, "{\"idle\":true,\"devices\":%d,\"connected\":%d,\"connect_failed\":%d}\n", len(devs), open, failed)
	} else {
		fmt.Fprintf(stdout, "loadgen: idle with %d devices connected\n", open)
	}
	if cfg.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.duration)
		defer cancel()
	}
	<-ctx.Done()
	if still := connected(devs); still < open {
		return fmt.Errorf("%d of %d idle connections dropped", open-still, open)
	}
	return nil
}
