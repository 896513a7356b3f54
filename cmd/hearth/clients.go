package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/hearth-iot/hearth/oauth"
)

const clientsAddSummary = `Registers a third-party client with Hearth's OAuth 2 authorization server
(INT-CLIENTS): usage hearth clients add [flags]. A confidential client gets a
secret, printed once and kept only as a hash; a public client (--public: an
app on a phone or in a browser) has none. Every client uses the
authorization code grant with PKCE (S256), may ask only for the scopes
registered here, and is sent back only to the exact redirect URIs given
(https, or http on a loopback address for native apps).`

const clientsListSummary = `Lists the registered OAuth clients: usage hearth clients list [flags].`

const clientsRemoveSummary = `Removes a registered OAuth client and every access people gave it: usage
hearth clients remove [flags] CLIENT_ID. Its tokens stop working at once.`

// runClients runs `hearth clients add|list|remove`.
func runClients(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "list" && args[0] != "remove") {
		return usagef("clients: use \"hearth clients add\", \"hearth clients list\" or \"hearth clients remove CLIENT_ID\"")
	}
	summary := map[string]string{"add": clientsAddSummary, "list": clientsListSummary, "remove": clientsRemoveSummary}[args[0]]
	cfg := exportConfig{serveConfig: defaultServeConfig()}
	fs := newFlagSet("clients "+args[0], summary, stderr)
	cfg.registerStore(fs)
	var name, uris, scopes string
	var public bool
	if args[0] == "add" {
		fs.StringVar(&name, "name", "", "the client's name, shown to people when it asks for access")
		fs.StringVar(&uris, "redirect-uris", "", "the exact redirect URIs, comma-separated")
		fs.StringVar(&scopes, "scopes", "", "the scopes it may ask for, comma-separated (such as profile,readings:read)")
		fs.BoolVar(&public, "public", false, "a public client: no secret (an app on a phone or in a browser)")
	}
	if err := parseFlagsAndArgs(fs, args[1:], getenv); err != nil {
		return helpOK(err)
	}
	want := 0
	if args[0] == "remove" {
		want = 1
	}
	if fs.NArg() != want {
		if want == 1 {
			return usagef("clients remove: give exactly one client ID after the flags")
		}
		return usagef("clients %s: unexpected argument %q", args[0], fs.Arg(0))
	}
	return withCore(cfg.serveConfig, func(c *core) error {
		srv, err := newOAuth(ctx, c)
		if err != nil {
			return err
		}
		switch args[0] {
		case "add":
			cl, secret, err := srv.RegisterClient(ctx, oauth.NewClient{Name: name, RedirectURIs: split(uris),
				Scopes: split(scopes), Public: public, CreatedBy: "cli"})
			if err != nil {
				return fmt.Errorf("clients add: %w", err)
			}
			fmt.Fprintf(stdout, "client %s registered: %s\n", cl.ID, cl.Name)
			if secret != "" {
				fmt.Fprintf(stdout, "secret (shown once, kept only as a hash): %s\n", secret)
			}
			return c.recordAdmin(ctx, "clients add", cl.ID, "")
		case "list":
			cs, err := srv.Clients(ctx)
			if err != nil {
				return fmt.Errorf("clients list: %w", err)
			}
			for _, cl := range cs {
				kind := "confidential"
				if cl.Public() {
					kind = "public"
				}
				fmt.Fprintf(stdout, "%s\t%s\t%s\tscopes %s\tredirect %s\n", cl.ID, cl.Name, kind,
					strings.Join(cl.Scopes, ","), strings.Join(cl.RedirectURIs, ","))
			}
		case "remove":
			if err := srv.RemoveClient(ctx, fs.Arg(0)); err != nil {
				return fmt.Errorf("clients remove: %w", err)
			}
			fmt.Fprintf(stdout, "client %s removed; its tokens no longer work\n", fs.Arg(0))
			return c.recordAdmin(ctx, "clients remove", fs.Arg(0), "")
		}
		return nil
	})
}

// split splits a comma-separated list, dropping empty items.
func split(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
