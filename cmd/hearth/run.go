package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // bad command line: unknown command, bad flag or flag value
)

// usageError is a bad command line; the binary exits with exitUsage.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitCode prints err, if any, and returns the process exit code for it.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "hearth: %v\n", err)
	var u *usageError
	if errors.As(err, &u) {
		return exitUsage
	}
	return exitError
}

const topUsage = `Hearth is a privacy-by-design backend for consumer IoT products.

Usage:

	hearth COMMAND [flags]

Commands:

	serve               run the server (HTTP API and embedded MQTT device gateway)
	demo                run the server with a demo household and simulated devices
	devices provision   create device credentials (manufacturer tool)
	devices log         print a device's lifecycle log (transfers, resets, modes, refusals)
	device              run the reference device (local API, commands, firmware)
	manifest lint       check privacy manifests and list every problem
	notice              print the privacy notice or terms from the manifest
	records             print the record of processing activities and DPIA screening
	report              print every requirement's status on this instance, and its evidence
	ledger verify       check the consent ledger's hash chain
	audit verify        check the audit log's hash chain and its anchors; print the head's anchor
	export              write a person's data to a ZIP file (RIGHT-ACCESS)
	import              restore a person from an export ZIP (RIGHT-PORT)
	backup              write a consistent copy of hearth.db (or keys.db) while the server runs
	restore             put a backup in place, with the server stopped
	requests            list open rights requests by deadline; requests show prints one,
	                    requests update records progress
	firmware            signed firmware: keygen, sign, publish, rollout, releases
	operators           operators grant|revoke EMAIL: give or take the operator role
	clients             clients add|list|remove: third-party OAuth clients
	synth               synthetic households and readings: synth population|readings write
	                    them as JSON, synth load puts them into a running server
	analytics           differentially private statistics: analytics query, analytics budget
	version             print the version
	help                print this help

Run "hearth COMMAND --help" for a command's flags.
`

// run runs the hearth command line args (args[0] is the program name),
// reading the environment through getenv. It returns when the command is
// done or, for long-running commands, when ctx is cancelled.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, topUsage)
		return usagef("no command given")
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "demo":
		return runDemo(ctx, rest, getenv, stdout, stderr)
	case "devices":
		return runDevices(ctx, rest, getenv, stdout, stderr)
	case "device": // issue 14: the reference device
		return runDevice(ctx, rest, getenv, stdout, stderr)
	case "manifest":
		return runManifest(ctx, rest, stdout, stderr)
	case "notice":
		return runNotice(rest, getenv, stdout, stderr)
	case "records":
		return runRecords(rest, getenv, stdout, stderr)
	case "audit":
		return runAudit(ctx, rest, getenv, stdout, stderr)
	case "report":
		return runReport(ctx, rest, getenv, stdout, stderr)
	case "ledger":
		return runLedger(ctx, rest, getenv, stdout, stderr)
	case "export":
		return runExport(ctx, rest, getenv, stdout, stderr)
	case "import":
		return runImport(ctx, rest, getenv, stdout, stderr)
	case "backup":
		return runBackup(ctx, rest, getenv, stdout, stderr)
	case "restore":
		return runRestore(ctx, rest, getenv, stdout, stderr)
	case "requests":
		return runRequests(ctx, rest, getenv, stdout, stderr)
	case "firmware":
		return runFirmware(ctx, rest, getenv, stdout, stderr)
	case "clients":
		return runClients(ctx, rest, getenv, stdout, stderr)
	case "operators":
		return runOperators(ctx, rest, getenv, stdout, stderr)
	case "synth":
		return runSynth(ctx, rest, getenv, stdout, stderr)
	case "analytics":
		return runAnalytics(ctx, rest, getenv, stdout, stderr)
	case "version", "--version", "-version":
		return runVersion(stdout)
	case "help", "--help", "-help", "-h":
		fmt.Fprint(stdout, topUsage)
		return nil
	}
	fmt.Fprint(stderr, topUsage)
	return usagef("unknown command %q", cmd)
}

// envName returns the environment variable that sets a flag: HEARTH_ and
// the flag name in upper case with '-' as '_', such as HEARTH_TLS_CERT.
func envName(flagName string) string {
	return "HEARTH_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseFlags sets every flag of fs from its environment variable, then
// from args, so a flag on the command line wins. --help prints the usage
// and returns flag.ErrHelp; any other problem is a usageError.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := parseFlagsAndArgs(fs, args, getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// parseFlagsAndArgs is parseFlags for a command that takes arguments after
// its flags: they are left in fs.Args().
func parseFlagsAndArgs(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(envName(f.Name)); v != "" && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = usagef("%s=%q: %v", envName(f.Name), v, e)
			}
		}
	})
	if err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	return nil
}

// operands names, per command, the arguments it takes after its flags.
var operands = map[string]string{"import": " FILE.zip", "restore": " FILE",
	"operators grant": " EMAIL", "operators revoke": " EMAIL", "clients remove": " CLIENT_ID"}

// newFlagSet returns a flag set that reports to stderr and documents the
// environment variable of every flag in its usage.
func newFlagSet(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: hearth %s [flags]%s\n\n%s\n\nFlags (each also read from the environment variable shown):\n\n", name, operands[name], summary)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = fmt.Sprintf(" (default %q)", f.DefValue)
			}
			fmt.Fprintf(stderr, "  --%s  [%s]\n    \t%s%s\n", f.Name, envName(f.Name), f.Usage, def)
		})
	}
	return fs
}

// helpOK turns flag.ErrHelp into success: asking for help is not a failure.
func helpOK(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// newLogger returns a JSON logger on w at the named level: debug, info,
// warn or error.
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level %q: use debug, info, warn or error", level)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}
