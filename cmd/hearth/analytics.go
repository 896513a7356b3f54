package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hearth-iot/hearth/analytics"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/metrics"
)

const analyticsSummary = `Differentially private statistics for operators (PET-DP; docs/analytics.md):

  hearth analytics query --dataset D --kind K --epsilon E [flags]
  hearth analytics budget

query answers one count, sum, mean or histogram over the people who consented
to the manifest's analytics purpose, with noise, small groups withheld, and
charges its epsilon to the dataset's privacy budget first; once the budget
is spent it is refused and nothing is charged. budget lists every dataset's
budget and what is spent. Both read the data directory (or --store) directly,
so run them on the server, as the operator; query needs the key-encryption
key (--kek), like the server, to open readings. Each answered query is
recorded in the audit log.`

// analyticsFlags are the query's flags: the query's JSON names with
// dashes.
var analyticsFlags = []struct{ name, usage string }{
	{"dataset", "a category of the analytics purpose, people or devices (required)"},
	{"kind", "count, sum, mean or histogram (required)"},
	{"field", "the value field summed, averaged or binned"},
	{"lower", "each value is clamped to at least this (sum and mean)"},
	{"upper", "each value is clamped to at most this (sum and mean)"},
	{"bins", "a histogram's bin edges, ascending, such as 10,15,20,25"},
	{"bucket", "hour, day, week or month; empty for the whole range"},
	{"from", "first day (YYYY-MM-DD, UTC) or RFC 3339 time of the readings"},
	{"to", "the end of the range, not included"},
	{"epsilon", "the ε this query spends from the dataset's budget (required)"},
	{"delta", "the δ it spends, with --noise gaussian"},
	{"noise", "laplace (default) or gaussian"},
	{"max-groups", "most groups one household adds to; default all"},
	{"max-contributions", "most values one household adds to a group; default 1 reading, 4 people or devices"},
}

// runAnalytics runs `hearth analytics query` and `hearth analytics budget`.
func runAnalytics(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "query" && args[0] != "budget" {
		fmt.Fprint(stderr, analyticsSummary+"\n")
		return usagef("analytics: give query or budget")
	}
	sub := args[0]
	cfg := defaultServeConfig()
	fs := newFlagSet("analytics "+sub, analyticsSummary, stderr)
	fs.StringVar(&cfg.Data, "data", cfg.Data, "data directory holding hearth.db")
	cfg.registerStore(fs)
	fs.StringVar(&cfg.KEK, "kek", "", kekFlagUsage)
	fs.StringVar(&cfg.Manifest, "manifest", cfg.Manifest, "privacy manifest the server enforces (default: the embedded example)")
	asJSON := fs.Bool("json", false, "print the answer as JSON, as the API does")
	values := map[string]*string{}
	if sub == "query" {
		for _, f := range analyticsFlags {
			values[f.name] = fs.String(f.name, "", f.usage)
		}
	}
	if err := parseFlags(fs, args[1:], getenv); err != nil {
		return helpOK(err)
	}
	if err := cfg.checkStore(); err != nil {
		return err
	}
	m, err := cfg.loadManifest()
	if err != nil {
		return err
	}
	c, err := openCore(cfg, m, metrics.NewUnregistered(), nil)
	if err != nil {
		return err
	}
	defer c.close(slog.New(slog.DiscardHandler))
	if sub == "budget" {
		return printBudgets(ctx, c.analytics, *asJSON, stdout)
	}
	q, err := analytics.ParseFields(func(name string) string { return *values[strings.ReplaceAll(name, "_", "-")] })
	if err != nil {
		return err
	}
	return analyticsQuery(ctx, c, q, *asJSON, stdout)
}

// analyticsQuery runs q as the operator at the command line, records it in
// the audit log and prints the result.
func analyticsQuery(ctx context.Context, c *core, q analytics.Query, asJSON bool, stdout io.Writer) error {
	res, err := c.analytics.Query(ctx, string(ledger.MethodCLI), q)
	if err != nil {
		return err
	}
	if err := c.recordAdmin(ctx, "analytics query", q.Dataset, ""); err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	printResult(res, stdout)
	return nil
}

// printResult prints a result as a table, a group a line.
func printResult(res *analytics.Result, stdout io.Writer) {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tVALUE\t95% INTERVAL\tHOUSEHOLDS")
	for _, g := range res.Groups {
		name := g.Key
		if !g.Bucket.IsZero() {
			name = strings.TrimSpace(g.Bucket.UTC().Format(time.RFC3339) + " " + g.Key)
		}
		if name == "" {
			name = "all"
		}
		if g.Suppressed {
			fmt.Fprintf(tw, "%s\twithheld: noisy count of households under %d\t\t\n", name, res.MinGroup)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s to %s\t%d\n", name, num(*g.Value), num(*g.Low), num(*g.High), *g.Households)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d of %d groups withheld. %s: ε %s of %s spent by %d queries.\n", res.Suppressed, len(res.Groups),
		res.Budget.Dataset, num(res.Budget.SpentEpsilon), num(res.Budget.Epsilon), res.Budget.Queries)
}

// printBudgets prints every dataset's budget.
func printBudgets(ctx context.Context, svc *analytics.Service, asJSON bool, stdout io.Writer) error {
	bs, err := svc.Budgets(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(bs)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DATASET\tε SPENT\tε BUDGET\tδ SPENT\tδ BUDGET\tQUERIES")
	for _, b := range bs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", b.Dataset, num(b.SpentEpsilon), num(b.Epsilon), num(b.SpentDelta), num(b.Delta), b.Queries)
	}
	return tw.Flush()
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', 4, 64) }
