package export_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/audit"
	"github.com/hearth-iot/hearth/export"
	"github.com/hearth-iot/hearth/ledger"
)

// Secrets an OAuth token record holds that an export must never show.
const (
	secretSignature = "sig-SECRET-access-4f1c"
	secretRefresh   = "sig-SECRET-refresh-9a2e"
	secretForm      = "code=SECRET-CODE-77"
)

// connect stores a grant of clientID by person, as package oauth stores
// one: an access and a refresh token record sharing a request ID.
func (in *instance) connect(t testing.TB, clientID, name, person, sig string) {
	t.Helper()
	ctx := t.Context()
	if _, err := in.store.OAuthClient(ctx, clientID); hearth.ErrorCode(err) == hearth.ENOTFOUND {
		must(t, in.store.CreateOAuthClient(ctx, &hearth.OAuthClient{ID: clientID, Name: name,
			RedirectURIs: []string{"https://app.example/cb"}, Scopes: []string{"readings:read"}, CreatedBy: "p_op", CreatedAt: in.now}))
	}
	req := hearth.NewID("req_")
	for _, tok := range []hearth.OAuthToken{
		{Kind: hearth.OAuthAccessToken, Signature: sig, ExpiresAt: in.now.Add(time.Hour)},
		{Kind: hearth.OAuthRefreshToken, Signature: sig + "-refresh", AccessSignature: sig, ExpiresAt: in.now.Add(30 * 24 * time.Hour)},
	} {
		tok.RequestID, tok.ClientID, tok.PersonID, tok.RequestedAt, tok.Active = req, clientID, person, in.now.Add(-time.Minute), true
		tok.Scopes, tok.GrantedScopes = []string{"readings:read", "offline"}, []string{"readings:read"}
		tok.Form, tok.Session = []byte(secretForm), []byte(`{"secret":"`+sig+`"}`)
		must(t, in.store.PutOAuthToken(ctx, &tok))
	}
}

// accessed records in the audit log that actor (of kind) read person's
// data, as the HTTP layer records an access.
func accessed(t testing.TB, log *audit.Logger, person, actor string, kind audit.ActorKind, via, purpose string) {
	t.Helper()
	must(t, log.Record(t.Context(), hearth.LedgerEntry{Type: audit.Access, Person: person, Actor: actor, Purpose: purpose,
		Method: hearth.MethodAPI, Details: audit.Details{ActorKind: kind, Action: "GET /v1/households/{hh}/people/{person}/readings", Via: via}.JSON()}))
}

// newAuditLog returns a Logger over in's audit log.
func (in *instance) newAuditLog(t testing.TB) *audit.Logger {
	t.Helper()
	l := audit.New(audit.Config{Store: in.store.AuditLog(), Now: func() time.Time { return in.now }})
	t.Cleanup(func() { l.Close(t.Context()) })
	return l
}

// exportFile returns one file of an export.
func exportFile(t testing.TB, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	f, err := zr.Open(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	must(t, err)
	return b
}

// TestExportHoldsGrantsAndAccesses: RIGHT-ACCESS, AUDIT, INT-CLIENTS: after
// a client was granted access and an operator, a member and the client
// read a person's data, their export holds every active OAuth token record
// of their grants (client, scopes, when, expiry) without any signature,
// form or session, and every audit log entry about them, each hash as the
// chain holds it; another person's grants and accesses are not in it
// (RIGHT-ACCESS-OTHERS). The audit log is read page by page (PageSize 7
// in these tests), so more entries than a page are written.
func TestExportHoldsGrantsAndAccesses(t *testing.T) {
	in := newInstance(t, "alpha")
	h := in.newHome(t)
	log := in.newAuditLog(t)
	in.connect(t, "c_coach", "Energy Coach", h.adult, secretSignature)
	in.connect(t, "c_other", "Other App", h.owner, secretRefresh)
	const operator = "p_operator"
	accessed(t, log, h.adult, operator, audit.Operator, "", "")
	accessed(t, log, h.adult, h.owner, audit.Member, "", "energy-insights")
	accessed(t, log, h.owner, h.adult, audit.Member, "", "") // about the owner: not the adult's
	for range 9 {
		accessed(t, log, h.adult, "client:c_coach", audit.Client, h.adult, "")
	}
	accessed(t, log, h.adult, h.adult, audit.Self, "", "")
	accessed(t, log, h.owner, "client:c_other", audit.Client, h.owner, "")

	data := in.write(t, h.adult)
	for _, secret := range []string{secretSignature, secretRefresh, secretForm, "SECRET"} {
		if all := allFiles(t, data); bytes.Contains(all, []byte(secret)) {
			t.Errorf("the export holds %q: a token signature, request form or session", secret)
		}
	}

	var grants []export.GrantRecord
	must(t, json.Unmarshal(exportFile(t, data, "connected-clients.json"), &grants))
	if len(grants) != 2 {
		t.Fatalf("connected-clients.json holds %d records, want the adult's access and refresh token records: %+v", len(grants), grants)
	}
	kinds := map[string]bool{}
	for _, g := range grants {
		kinds[g.Kind] = true
		if g.ClientID != "c_coach" || g.ClientName != "Energy Coach" || g.GrantID != grants[0].GrantID || !g.Active ||
			strings.Join(g.GrantedScopes, " ") != "readings:read" || strings.Join(g.Scopes, " ") != "readings:read offline" ||
			!g.Granted.Equal(in.now.Add(-time.Minute)) || g.Expires == nil || !g.Expires.After(in.now) {
			t.Errorf("grant record %+v, want c_coach (Energy Coach) granted readings:read a minute ago, with its expiry", g)
		}
	}
	if !kinds["access_token"] || !kinds["refresh_token"] {
		t.Errorf("record kinds %v, want access_token and refresh_token", kinds)
	}

	var got []export.AccessRecord
	sc := bufio.NewScanner(bytes.NewReader(exportFile(t, data, "accesses.jsonl")))
	for sc.Scan() {
		var r export.AccessRecord
		must(t, json.Unmarshal(sc.Bytes(), &r))
		got = append(got, r)
	}
	want, err := in.store.AuditLog().LedgerEntriesFor(t.Context(), h.adult)
	must(t, err)
	if len(want) != 12 || len(got) != len(want) {
		t.Fatalf("accesses.jsonl holds %d entries; the audit log holds %d about the adult, want 12", len(got), len(want))
	}
	byKind := map[audit.ActorKind]int{}
	for i, r := range got {
		e := hearth.LedgerEntry{Seq: r.Seq, Time: r.Time, Type: hearth.EntryType(r.Type), Person: r.Person, Purpose: r.Purpose,
			HouseholdID: r.HouseholdID, ManifestVersion: r.ManifestVersion, NoticeVersion: r.NoticeVersion,
			Method: hearth.Method(r.Method), Actor: r.Actor, Statement: r.Statement, Details: r.Details}
		e.PrevHash, _ = hex.DecodeString(r.PrevHash)
		if r.Person != h.adult || r.Seq != want[i].Seq || r.Hash != hex.EncodeToString(want[i].Hash) ||
			hex.EncodeToString(ledger.Audit.Hash(&e)) != r.Hash {
			t.Errorf("access %d = %+v: want the adult's entry seq %d with the hash its fields give", i, r, want[i].Seq)
		}
		byKind[audit.ParseDetails(r.Details).ActorKind]++
		if r.Actor == "client:c_other" {
			t.Errorf("accesses.jsonl holds the other client's access to the owner: %+v", r)
		}
	}
	if byKind[audit.Operator] != 1 || byKind[audit.Member] != 1 || byKind[audit.Client] != 9 || byKind[audit.Self] != 1 {
		t.Errorf("accesses by kind %v, want the operator's, the member's, the client's 9 and their own", byKind)
	}

	index := string(exportFile(t, data, "index.html"))
	for _, s := range []string{"Energy Coach", "readings:read", "12 entries about you", "by the service's operator (1)",
		"by apps you connected (9)", `href="accesses.jsonl"`, `href="connected-clients.json"`} {
		if !strings.Contains(index, s) {
			t.Errorf("index.html does not say %q", s)
		}
	}
	if strings.Contains(index, "Other App") {
		t.Error("index.html names the owner's connected app")
	}
}

// TestImportLeavesGrantsAndAccesses: RIGHT-PORT: an export holding
// connected clients and accesses imports on another instance, which
// restores neither: grants and access logs belong to the instance that
// issued and kept them (docs/export-format.md).
func TestImportLeavesGrantsAndAccesses(t *testing.T) {
	a, b := newInstance(t, "alpha"), newInstance(t, "bravo")
	h := a.newHome(t)
	a.connect(t, "c_coach", "Energy Coach", h.adult, secretSignature)
	accessed(t, a.newAuditLog(t), h.adult, "p_operator", audit.Operator, "", "")
	data := a.write(t, h.adult)
	if _, err := b.importInto(t, data, export.Target{}); err != nil {
		t.Fatalf("Import: %v", err)
	}
	toks, err := b.store.OAuthTokensFor(t.Context(), h.adult)
	must(t, err)
	es, err := b.store.AuditLog().LedgerEntriesFor(t.Context(), h.adult)
	must(t, err)
	if len(toks) != 0 || len(es) != 0 {
		t.Errorf("after the import B holds %d OAuth records and %d audit entries about the person, want none", len(toks), len(es))
	}
}

// allFiles returns every file of an export, uncompressed, concatenated.
func allFiles(t testing.TB, data []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	var all []byte
	for _, f := range zr.File {
		all = append(all, exportFile(t, data, f.Name)...)
	}
	return all
}
