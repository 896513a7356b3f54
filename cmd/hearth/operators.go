package main

import (
	"context"
	"fmt"
	"io"
)

const operatorsGrantSummary = `Makes the account with that e-mail address an operator account (SEC-MFA):
usage hearth operators grant [flags] EMAIL. An operator reaches the operator
routes (/v1/operator/...) only once they enrolled a second factor (an
authenticator app or a passkey) and signed in with it; until then those
routes answer 403 saying so. It needs the key-encryption key, like the
server (addresses are looked up by their keyed index). It may run while the
server runs; the change applies to the operator's next request.`

const operatorsRevokeSummary = `Takes the operator role from the account with that e-mail address: usage
hearth operators revoke [flags] EMAIL. Its next request to an operator route
is refused with 403.`

// runOperators runs `hearth operators grant|revoke`.
func runOperators(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "grant" && args[0] != "revoke") {
		return usagef("operators: use \"hearth operators grant EMAIL\" or \"hearth operators revoke EMAIL\"")
	}
	grant := args[0] == "grant"
	summary := operatorsRevokeSummary
	if grant {
		summary = operatorsGrantSummary
	}
	cfg := exportConfig{serveConfig: defaultServeConfig()}
	fs := newFlagSet("operators "+args[0], summary, stderr)
	cfg.registerStore(fs)
	if err := parseFlagsAndArgs(fs, args[1:], getenv); err != nil {
		return helpOK(err)
	}
	if fs.NArg() != 1 {
		return usagef("operators %s: give exactly one e-mail address after the flags", args[0])
	}
	email := fs.Arg(0)
	return withCore(cfg.serveConfig, func(c *core) error {
		acct, err := c.auth.SetOperator(ctx, email, grant)
		if err != nil {
			return fmt.Errorf("operators %s: %w", args[0], err)
		}
		if err := c.recordAdmin(ctx, "operators "+args[0], acct.ID, acct.PersonID); err != nil {
			return err
		}
		if grant {
			fmt.Fprintf(stdout, "account %s is an operator; it must sign in with a second factor to use operator routes\n", acct.ID)
		} else {
			fmt.Fprintf(stdout, "account %s is no longer an operator\n", acct.ID)
		}
		return nil
	})
}
