package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/postgres"
)

// PET-DP: spends racing on two nodes never exceed a dataset's budget
// together: the advisory lock serialises the sum and the insert across
// nodes.
func TestSpendPrivacyBudgetAcrossNodes(t *testing.T) {
	_, dbs := openNodes(t, 2, 0)
	const n, fit = 16, 5 // sixteen spends of 0.2 race for a budget of 1.0
	codes := raceOn(dbs, n, func(db *postgres.DB, i int) error {
		s := hearth.PrivacySpend{Dataset: "presence", Epsilon: 0.2, Delta: 1e-7, Query: "count", Actor: "cli",
			Time: time.Unix(100, int64(i))}
		return db.SpendPrivacyBudget(t.Context(), s, 1.0, 1e-5)
	})
	ok := 0
	for i, c := range codes {
		switch c {
		case "":
			ok++
		case hearth.EREFUSED:
		default:
			t.Errorf("spend %d failed with %q, want success or EREFUSED", i, c)
		}
	}
	if ok != fit {
		t.Errorf("%d of %d racing spends recorded, want %d", ok, n, fit)
	}
	for _, db := range dbs {
		got, err := db.PrivacySpends(t.Context(), "presence")
		if err != nil {
			t.Fatalf("PrivacySpends: %v", err)
		}
		if len(got) != fit {
			t.Errorf("%d spends recorded, want %d", len(got), fit)
		}
	}
}

// INT-CLIENTS: an authorization code used at once on two nodes is
// used once.
func TestDeactivateOAuthTokenAcrossNodes(t *testing.T) {
	_, dbs := openNodes(t, 2, 0)
	c := &hearth.OAuthClient{ID: "c_1", Name: "App", CreatedAt: time.Unix(1, 0)}
	if err := dbs[0].CreateOAuthClient(t.Context(), c); err != nil {
		t.Fatalf("CreateOAuthClient: %v", err)
	}
	tok := &hearth.OAuthToken{Kind: hearth.OAuthAuthorizeCode, Signature: "code", RequestID: "req-1", ClientID: "c_1",
		PersonID: "p_1", RequestedAt: time.Unix(2, 0), ExpiresAt: time.Unix(600, 0), Active: true}
	if err := dbs[0].PutOAuthToken(t.Context(), tok); err != nil {
		t.Fatalf("PutOAuthToken: %v", err)
	}
	codes := raceOn(dbs, 8, func(db *postgres.DB, i int) error {
		return db.DeactivateOAuthToken(t.Context(), hearth.OAuthAuthorizeCode, "code")
	})
	oneWinner(t, "DeactivateOAuthToken", codes)
}

// AUDIT: the audit log refuses UPDATE, DELETE and TRUNCATE even from
// outside Hearth's code; the hash chain detects what gets around that.
func TestAuditLogAppendOnly(t *testing.T) {
	data, dbs := openNodes(t, 1, 0)
	e := hearth.LedgerEntry{Seq: 1, Time: time.Unix(1, 5), Type: "access", Person: "p_1", Hash: []byte("h1")}
	if err := dbs[0].AuditLog().AppendEntries(t.Context(), []hearth.LedgerEntry{e}); err != nil {
		t.Fatalf("AppendEntries: %v", err)
	}
	for _, stmt := range []string{"UPDATE audit SET person = 'p_2'", "DELETE FROM audit", "TRUNCATE audit"} {
		if err := execErr(t, data, stmt); err == nil {
			t.Errorf("%s succeeded, want it refused", stmt)
		}
	}
	got, err := dbs[0].AuditLog().LedgerEntries(t.Context(), 0, 0)
	if err != nil || len(got) != 1 || got[0].Person != "p_1" || !got[0].Time.Equal(e.Time) {
		t.Errorf("audit log after refused changes = %v, %v; want the one entry unchanged", got, err)
	}
}

// execErr runs a statement on the database at url, outside the adapter,
// and returns its error.
func execErr(t *testing.T, url, sql string) error {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(t.Context(), sql)
	return err
}
