package erasure_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/erasure"
	"github.com/hearth-iot/hearth/sqlite"
	"github.com/hearth-iot/hearth/webhook"
)

// recipient is a fake recipient endpoint (an outside service): it answers
// 503 to its first failures requests, then 204, and checks signatures.
type recipient struct {
	t        *testing.T
	secret   []byte
	mu       sync.Mutex
	failures int
	got      []webhook.Body
	bad      int
}

func (r *recipient) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := webhook.Verify(r.secret, req.Header.Get("Hearth-Signature"), body, time.Now(), time.Hour); err != nil {
		r.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.failures > 0 {
		r.failures--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var b webhook.Body
	if err := json.Unmarshal(body, &b); err != nil {
		r.t.Errorf("notice body %s: %v", body, err)
	}
	r.got = append(r.got, b)
	w.WriteHeader(http.StatusNoContent)
}

// TestNoticeRetriedUntilDelivered: a recipient endpoint that is down does
// not hold the erasure up; the signed notice is retried with backoff and
// its state is visible to the person (RIGHT-ERASE).
func TestNoticeRetriedUntilDelivered(t *testing.T) {
	rec := &recipient{t: t, secret: []byte("0123456789abcdef-secret"), failures: 2}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	client := webhook.New(map[string]webhook.Endpoint{"cloud-host": {URL: srv.URL, Secret: rec.secret}}, srv.Client())
	e := newEnv(t, client)
	a := e.user("ann")
	hh := e.household(a.PersonID)
	dev := e.device(a.PersonID, hh)
	e.reading(dev, hh, a.PersonID, "device-health", time.Hour, "x")

	res, err := e.svc.Erase(e.ctx(), a.PersonID, hh, a.PersonID, erasure.Scope{Category: "device-health"}, password)
	must(t, "Erase", err)
	if res.Readings != 1 || len(res.Notices) != 1 || res.Notices[0].State != hearth.NoticePending {
		t.Fatalf("Erase = %+v, want 1 reading erased and 1 pending notice", res)
	}
	// Attempt 1 fails; the notice waits RetryBase; nothing is due before.
	for i, step := range []struct {
		advance   time.Duration
		delivered int
		state     hearth.NoticeState
		attempts  int
	}{
		{0, 0, hearth.NoticePending, 1},
		{erasure.RetryBase - time.Second, 0, hearth.NoticePending, 1}, // not due yet: no attempt
		{time.Second, 0, hearth.NoticePending, 2},                     // attempt 2 fails: waits 2*RetryBase
		{2 * erasure.RetryBase, 1, hearth.NoticeDelivered, 3},
	} {
		e.clock.Advance(step.advance)
		n, err := e.svc.Deliver(e.ctx())
		must(t, "Deliver", err)
		ns, err := e.svc.Notices(e.ctx(), a.PersonID, hh, a.PersonID)
		must(t, "Notices", err)
		if n != step.delivered || len(ns) != 1 || ns[0].State != step.state || ns[0].Attempts != step.attempts {
			t.Fatalf("step %d: Deliver = %d, notices %+v; want %d delivered, state %s after %d attempts", i, n, ns, step.delivered, step.state, step.attempts)
		}
	}
	if rec.bad != 0 || len(rec.got) != 1 {
		t.Fatalf("recipient got %d valid notices and %d badly signed, want 1 and 0", len(rec.got), rec.bad)
	}
	if b := rec.got[0]; b.Subject != a.PersonID || len(b.Categories) != 1 || b.Categories[0] != "device-health" || b.Everything {
		t.Errorf("notice body = %+v, want the person and device-health", b)
	}
}

// TestNoticeFailsAfterMaxAttempts: a recipient that never answers ends as
// failed, for the operator to follow up, and is not retried for ever.
func TestNoticeFailsAfterMaxAttempts(t *testing.T) {
	rec := &recipient{t: t, secret: []byte("0123456789abcdef-secret"), failures: erasure.MaxAttempts + 5}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	e := newEnv(t, webhook.New(map[string]webhook.Endpoint{"cloud-host": {URL: srv.URL, Secret: rec.secret}}, srv.Client()))
	a := e.user("ann")
	hh := e.household(a.PersonID)
	_, err := e.svc.Erase(e.ctx(), a.PersonID, hh, a.PersonID, erasure.Scope{Category: "device-health"}, password)
	must(t, "Erase", err)
	for range erasure.MaxAttempts {
		_, err := e.svc.Deliver(e.ctx())
		must(t, "Deliver", err)
		e.clock.Advance(erasure.RetryMax)
	}
	ns, err := e.svc.Notices(e.ctx(), a.PersonID, hh, a.PersonID)
	must(t, "Notices", err)
	if ns[0].State != hearth.NoticeFailed || ns[0].Attempts != erasure.MaxAttempts || ns[0].LastError == "" {
		t.Errorf("notice = %+v, want failed after %d attempts with the last error", ns[0], erasure.MaxAttempts)
	}
}

// TestReplayAfterRestore: a data backup taken before a partial erasure and
// restored after it does not bring the erased readings back, because the
// journal in keys.db is re-applied at start; readings stored after the
// erasure are kept (RIGHT-ERASE).
func TestReplayAfterRestore(t *testing.T) {
	e := newEnv(t, nil)
	a := e.user("ann")
	hh := e.household(a.PersonID)
	dev := e.device(a.PersonID, hh)
	e.reading(dev, hh, a.PersonID, "occupancy", time.Hour, "x")
	e.reading(dev, hh, a.PersonID, "room-temperature", time.Hour, "x")
	backup := copyDataFile(t, e)

	e.clock.Advance(time.Minute)
	_, err := e.svc.Erase(e.ctx(), a.PersonID, hh, a.PersonID, erasure.Scope{Category: "occupancy"}, password)
	must(t, "Erase", err)
	e.clock.Advance(time.Minute)
	e.reading(dev, hh, a.PersonID, "occupancy", 0, "new") // stored after the erasure: kept

	must(t, "Close", e.store.Close())
	restore(t, e, backup)
	e.open()
	if n := e.count(hearth.ErasureFilter{PersonID: a.PersonID, Category: "occupancy"}); n != 1 {
		t.Fatalf("restored backup holds %d occupancy readings, want 1 (the test proves nothing otherwise)", n)
	}
	n, err := e.svc.Replay(e.ctx())
	must(t, "Replay", err)
	if n != 1 {
		t.Errorf("Replay deleted %d readings, want 1", n)
	}
	if n := e.count(hearth.ErasureFilter{PersonID: a.PersonID, Category: "occupancy"}); n != 0 {
		t.Errorf("occupancy readings after replay = %d, want 0", n)
	}
	if n := e.count(hearth.ErasureFilter{PersonID: a.PersonID, Category: "room-temperature"}); n != 1 {
		t.Errorf("room-temperature readings after replay = %d, want 1", n)
	}

	// A reading newer than the erasure survives a replay on the live store.
	e.reading(dev, hh, a.PersonID, "occupancy", 0, "newer")
	_, err = e.svc.Replay(e.ctx())
	must(t, "Replay", err)
	if n := e.count(hearth.ErasureFilter{PersonID: a.PersonID, Category: "occupancy"}); n != 1 {
		t.Errorf("occupancy readings stored after the erasure = %d after replay, want 1", n)
	}
}

// TestReplayClosedAccount: restoring a backup taken before an account was
// closed does not bring the account back.
func TestReplayClosedAccount(t *testing.T) {
	e := newEnv(t, nil)
	a := e.user("ann")
	e.household(a.PersonID)
	backup := copyDataFile(t, e)
	_, err := e.svc.CloseAccount(e.ctx(), a, password)
	must(t, "CloseAccount", err)
	must(t, "Close", e.store.Close())
	restore(t, e, backup)
	e.open()
	if _, err := e.store.Account(e.ctx(), a.ID); err != nil {
		t.Fatalf("the restored backup lacks the account (the test proves nothing): %v", err)
	}
	_, err = e.svc.Replay(e.ctx())
	must(t, "Replay", err)
	_, err = e.store.AccountByEmail(e.ctx(), a.Email)
	wantCode(t, "AccountByEmail after replay", err, hearth.ENOTFOUND)
	_, _, err = e.auth.SignIn(e.ctx(), string(a.Email), password, "127.0.0.1")
	wantCode(t, "SignIn after replay", err, hearth.EUNAUTHORIZED)
}

// copyDataFile checkpoints the store and returns a copy of hearth.db, as a
// backup of the data would be.
func copyDataFile(t *testing.T, e *env) []byte {
	t.Helper()
	must(t, "Checkpoint", e.store.Checkpoint(e.ctx()))
	b, err := os.ReadFile(filepath.Join(e.dir, sqlite.DataFile))
	must(t, "read hearth.db", err)
	return b
}

// restore puts a copy of hearth.db back, with no write-ahead log.
func restore(t *testing.T, e *env, data []byte) {
	t.Helper()
	p := filepath.Join(e.dir, sqlite.DataFile)
	os.Remove(p + "-wal")
	os.Remove(p + "-shm")
	must(t, "restore hearth.db", os.WriteFile(p, data, 0o600))
}

// TestRetentionPass: readings older than their category's retention are
// gone after one scheduler pass with the clock advanced, and a person's
// chosen periodic deletion applies too (RETENTION).
func TestRetentionPass(t *testing.T) {
	e := newEnv(t, nil)
	a := e.user("ann")
	hh := e.household(a.PersonID)
	dev := e.device(a.PersonID, hh)
	p := a.PersonID
	e.reading(dev, hh, p, "occupancy", 0, "x")        // retention 30d
	e.reading(dev, hh, "", "device-health", 0, "x")   // retention 90d
	e.reading(dev, hh, p, "room-temperature", 0, "x") // retention 1y
	n, err := e.svc.RetentionPass(e.ctx())
	must(t, "RetentionPass", err)
	if n != 0 {
		t.Errorf("first pass erased %d, want 0", n)
	}
	e.clock.Advance(31 * 24 * time.Hour)
	n, err = e.svc.RetentionPass(e.ctx())
	must(t, "RetentionPass", err)
	if n != 1 || e.count(hearth.ErasureFilter{Category: "occupancy"}) != 0 || e.count(hearth.ErasureFilter{HouseholdID: hh}) != 2 {
		t.Errorf("after 31 days: erased %d, want only the occupancy reading", n)
	}
	// Periodic deletion: keep one week of room temperature.
	must(t, "SetSchedule", e.svc.SetSchedule(e.ctx(), p, hh, p, "room-temperature", "weekly"))
	e.reading(dev, hh, p, "room-temperature", 0, "fresh")
	n, err = e.svc.RetentionPass(e.ctx())
	must(t, "RetentionPass", err)
	if n != 1 || e.count(hearth.ErasureFilter{PersonID: p, Category: "room-temperature"}) != 1 {
		t.Errorf("weekly deletion erased %d, want the 31-day-old room temperature only", n)
	}
	ds, err := e.svc.Schedules(e.ctx(), p, hh, p)
	must(t, "Schedules", err)
	if len(ds) != 1 || ds[0].Period != hearth.DeleteWeekly {
		t.Errorf("Schedules = %+v, want weekly room-temperature", ds)
	}
	must(t, "SetSchedule off", e.svc.SetSchedule(e.ctx(), p, hh, p, "room-temperature", "off"))
	wantCode(t, "SetSchedule daily", e.svc.SetSchedule(e.ctx(), p, hh, p, "room-temperature", "daily"), hearth.EINVALID)
	wantCode(t, "SetSchedule undeclared", e.svc.SetSchedule(e.ctx(), p, hh, p, "heart-rate", "weekly"), hearth.EINVALID)
	ds, err = e.svc.Schedules(e.ctx(), p, hh, p)
	must(t, "Schedules", err)
	if len(ds) != 0 {
		t.Errorf("Schedules after off = %+v, want none", ds)
	}
	e.clock.Advance(60 * 24 * time.Hour)
	n, err = e.svc.RetentionPass(e.ctx())
	must(t, "RetentionPass", err)
	if n != 1 || e.count(hearth.ErasureFilter{HouseholdID: hh}) != 1 {
		t.Errorf("after 91 days: erased %d, want the device-health reading only", n)
	}
}

// TestCloseAccount: re-authentication, the last owner's hand-over, then
// everything goes: key, readings, sessions, memberships, account; a
// household left empty loses its devices' credentials (RIGHT-ERASE).
func TestCloseAccount(t *testing.T) {
	e := newEnv(t, nil)
	a, b := e.user("ann"), e.user("bob")
	hh := e.household(a.PersonID)
	e.join(a.PersonID, hh, b.PersonID, hearth.RoleAdult)
	solo := e.household(b.PersonID)
	dev, soloDev := e.device(a.PersonID, hh), e.device(b.PersonID, solo)
	e.reading(dev, hh, b.PersonID, "occupancy", time.Hour, "x")
	e.reading(soloDev, solo, "", "room-temperature", time.Hour, "x")
	token, _, err := e.auth.SignIn(e.ctx(), string(b.Email), password, "127.0.0.1")
	must(t, "SignIn", err)

	_, err = e.svc.CloseAccount(e.ctx(), b, "wrong password entirely")
	wantCode(t, "CloseAccount with a wrong password", err, hearth.EFORBIDDEN)
	_, err = e.svc.CloseAccount(e.ctx(), a, password)
	wantCode(t, "CloseAccount of the last owner with members", err, hearth.ECONFLICT)
	if _, err := e.auth.Authenticate(e.ctx(), token); err != nil {
		t.Fatalf("refused closures changed something: %v", err)
	}

	res, err := e.svc.CloseAccount(e.ctx(), b, password)
	must(t, "CloseAccount", err)
	if !res.KeyDestroyed || res.Readings != 1 {
		t.Errorf("CloseAccount = %+v, want key destroyed and 1 reading", res)
	}
	_, err = e.auth.Authenticate(e.ctx(), token)
	wantCode(t, "Authenticate after closing", err, hearth.EUNAUTHORIZED)
	_, err = e.store.Member(e.ctx(), hh, b.PersonID)
	wantCode(t, "Member after closing", err, hearth.ENOTFOUND)
	_, err = e.store.Key(e.ctx(), b.PersonID)
	wantCode(t, "Key after closing", err, hearth.ENOTFOUND)
	_, err = e.store.Key(e.ctx(), solo)
	wantCode(t, "household Key of the emptied household", err, hearth.ENOTFOUND)
	if n := e.count(hearth.ErasureFilter{HouseholdID: solo}); n != 0 {
		t.Errorf("readings of the emptied household = %d, want 0", n)
	}
	for _, h := range []string{hh, solo} {
		if !slices.Contains(e.ended, h+"/"+b.PersonID) {
			t.Errorf("MembershipChanged(%s, person) not called: ingestion would still attribute readings", h)
		}
	}
	if len(e.revoked) != 1 || e.revoked[0] != soloDev {
		t.Errorf("devices revoked = %v, want only %s", e.revoked, soloDev)
	}
	if _, err := e.svc.CloseAccount(e.ctx(), a, password); hearth.ErrorCode(err) != "" {
		t.Errorf("the owner, now alone, closes: %v", err)
	}
}

// TestCloseAccountGuardian: a child's guardian must name another guardian
// first; nothing changes (RIGHT-ERASE, CONSENT-CHILD).
func TestCloseAccountGuardian(t *testing.T) {
	e := newEnv(t, nil)
	a, b := e.user("ann"), e.user("bob")
	hh := e.household(a.PersonID)
	e.join(a.PersonID, hh, b.PersonID, hearth.RoleAdult)
	e.profile(a.PersonID, hh, hearth.RoleChild, b.PersonID)
	_, err := e.svc.CloseAccount(e.ctx(), b, password)
	wantCode(t, "CloseAccount of a guardian", err, hearth.ECONFLICT)
	if f := hearth.ErrorField(err); f != "household" {
		t.Errorf("field = %q, want household", f)
	}
	if _, err := e.store.Member(e.ctx(), hh, b.PersonID); err != nil {
		t.Errorf("the refused closure changed the membership: %v", err)
	}
}

// TestRunRetentionLeadsByAnInterval: the scheduler's pass erases what
// would pass its retention before the next pass, so nothing is kept longer
// than the manifest states between hourly passes (RETENTION).
func TestRunRetentionLeadsByAnInterval(t *testing.T) {
	e := newEnv(t, nil)
	a := e.user("ann")
	hh := e.household(a.PersonID)
	dev := e.device(a.PersonID, hh)
	// 30-day retention: this reading passes it in 30 minutes, before the
	// next hourly pass; the other one in two hours, after it.
	e.reading(dev, hh, a.PersonID, "occupancy", 30*24*time.Hour-30*time.Minute, "soon")
	e.reading(dev, hh, a.PersonID, "occupancy", 30*24*time.Hour-2*time.Hour, "later")
	ctx, cancel := context.WithCancel(e.ctx())
	done := make(chan struct{})
	go func() { e.svc.RunRetention(ctx, erasure.RetentionInterval); close(done) }()
	deadline := time.Now().Add(time.Minute)
	for e.count(hearth.ErasureFilter{Category: "occupancy"}) != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if n := e.count(hearth.ErasureFilter{Category: "occupancy"}); n != 1 {
		t.Errorf("after the first pass %d occupancy readings remain, want 1 (the one within retention past the next pass)", n)
	}
}
