// Command hearth is Hearth's one binary: the privacy-by-design backend for
// consumer IoT products (hearth serve), its demo (hearth demo) and the
// manufacturer's provisioning tool (hearth devices provision). Run
// `hearth help` for the commands and `hearth COMMAND --help` for the flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}
