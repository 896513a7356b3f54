package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ingest"
	"github.com/hearth-iot/hearth/ingest/ingesttest"
	"github.com/hearth-iot/hearth/internal/pgtest"
	"github.com/hearth-iot/hearth/metrics"
	"github.com/hearth-iot/hearth/postgres"
	"github.com/hearth-iot/hearth/sqlite"
)

type env struct {
	*ingesttest.Fixture
	svc     *ingest.Service
	metrics *metrics.Metrics
	db      hearth.Store
}

// newEnv opens a real SQLite store in t.TempDir(), provisions it and starts
// a Service on it.
func newEnv(t testing.TB, maxBatch int) *env {
	t.Helper()
	return newEnvWith(t, ingest.Config{MaxBatch: maxBatch})
}

// newEnvWith is newEnv with cfg's options; Store, Keys, Manifest and
// Metrics are filled in.
func newEnvWith(t testing.TB, cfg ingest.Config) *env {
	t.Helper()
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return newEnvOn(t, db, cfg)
}

// newEnvOn is newEnvWith on the store db, which it closes when t ends.
func newEnvOn(t testing.TB, db hearth.Store, cfg ingest.Config) *env {
	t.Helper()
	t.Cleanup(func() { db.Close() })
	f := ingesttest.Provision(t, db)
	m := metrics.NewUnregistered()
	cfg.Store, cfg.Keys, cfg.Manifest, cfg.Metrics = db, f.Keys, f.Manifest, m
	svc := ingest.New(cfg)
	svc.Start()
	t.Cleanup(func() { svc.Close(context.Background()) })
	return &env{Fixture: f, svc: svc, metrics: m, db: db}
}

// readings returns every reading of the fixture's household.
func (e *env) readings(t testing.TB) []hearth.Reading {
	t.Helper()
	var all []hearth.Reading
	f := hearth.ReadingFilter{HouseholdID: e.Household, Limit: 1000}
	for {
		rs, err := e.db.Readings(context.Background(), f)
		if err != nil {
			t.Fatalf("Readings: %v", err)
		}
		all = append(all, rs...)
		if len(rs) < f.Limit {
			return all
		}
		f.After = rs[len(rs)-1].ID
	}
}

// SEC-ENCRYPT: a stored reading is sealed for its subject and opens to the
// values sent.
func TestIngestStoresSealed(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	dev, _ := e.Device(t, true, hearth.ModeCloud)
	tests := []struct {
		name, id, person, wantSubject string
	}{
		{"household reading", "m-1", "", e.Household},
		{"person reading", "m-2", e.Member, e.Member},
		{"owner reading", "m-3", e.Owner, e.Owner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.svc.Ingest(ctx, dev, ingest.TransportHTTP, ingesttest.Payload(tt.id, "temperature", tt.person))
			if err != nil {
				t.Fatalf("Ingest: %v", err)
			}
			if !res.Stored || res.Duplicate || res.ReadingID == 0 {
				t.Fatalf("Ingest = %+v, want Stored with an ID", res)
			}
			rs, err := e.db.Readings(ctx, hearth.ReadingFilter{HouseholdID: e.Household, After: res.ReadingID - 1, Limit: 1})
			if err != nil || len(rs) != 1 {
				t.Fatalf("Readings = %d readings, %v; want 1", len(rs), err)
			}
			r := rs[0]
			if got := r.Subject(); got != tt.wantSubject {
				t.Errorf("Subject = %q, want %q", got, tt.wantSubject)
			}
			plain, err := e.Keys.Open(ctx, r.Sealed, r.AAD())
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if got, want := string(plain), fmt.Sprintf(`{"v":%q}`, tt.id); got != want {
				t.Errorf("opened values = %s, want %s", got, want)
			}
		})
	}
	if got, want := testutil.ToFloat64(e.metrics.ReadingsAccepted.WithLabelValues("http")), 3.0; got != want {
		t.Errorf("accepted counter = %v, want %v", got, want)
	}
}

// A resent message (same device, same id) is stored once.
func TestIngestDuplicate(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	dev, _ := e.Device(t, true, hearth.ModeCloud)
	p := ingesttest.Payload("dup-1", "temperature", "")
	first, err := e.svc.Ingest(ctx, dev, ingest.TransportMQTT, p)
	if err != nil || !first.Stored {
		t.Fatalf("first Ingest = %+v, %v; want Stored", first, err)
	}
	second, err := e.svc.Ingest(ctx, dev, ingest.TransportMQTT, p)
	if err != nil || !second.Duplicate || second.Stored {
		t.Fatalf("second Ingest = %+v, %v; want Duplicate", second, err)
	}
	if got, want := len(e.readings(t)), 1; got != want {
		t.Errorf("stored readings = %d, want %d", got, want)
	}
	if got, want := testutil.ToFloat64(e.metrics.ReadingsDuplicate.WithLabelValues("mqtt")), 1.0; got != want {
		t.Errorf("duplicate counter = %v, want %v", got, want)
	}
}

// Submit queues readings without waiting: each one's outcome comes back
// once, in the order submitted, after its commit; a resend is a duplicate;
// a refusal is returned at once and never called back.
func TestSubmit(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	dev, _ := e.Device(t, true, hearth.ModeCloud)
	type got struct {
		i   int
		res ingest.Result
		err error
	}
	const n = 200
	out := make(chan got, n+1)
	for i := range n {
		id := fmt.Sprintf("s-%d", i)
		if i == n-1 {
			id = "s-0" // a resend of the first
		}
		if err := e.svc.Submit(ctx, dev, ingest.TransportMQTT, ingesttest.Payload(id, "temperature", ""), func(res ingest.Result, err error) {
			out <- got{i, res, err}
		}); err != nil {
			t.Fatalf("Submit %d: %v", i, err)
		}
	}
	err := e.svc.Submit(ctx, dev, ingest.TransportMQTT, []byte(`{"id":"x"}`), func(ingest.Result, error) {
		out <- got{i: -1}
	})
	if hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("Submit of a malformed payload = %v, want EINVALID", err)
	}
	for want := range n {
		g := <-out
		if g.i != want {
			t.Fatalf("outcome %d came back as number %d: out of order", want, g.i)
		}
		switch {
		case g.err != nil:
			t.Errorf("reading %d: %v", g.i, g.err)
		case g.i == n-1 && !g.res.Duplicate:
			t.Errorf("resend = %+v, want Duplicate", g.res)
		case g.i < n-1 && (!g.res.Stored || g.res.ReadingID == 0):
			t.Errorf("reading %d = %+v, want Stored with an ID", g.i, g.res)
		}
	}
	if got, want := len(e.readings(t)), n-1; got != want {
		t.Errorf("stored readings = %d, want %d", got, want)
	}
	if got := testutil.ToFloat64(e.metrics.ReadingsAccepted.WithLabelValues("mqtt")); got != n-1 {
		t.Errorf("accepted counter = %v, want %d", got, n-1)
	}
	select {
	case g := <-out:
		t.Errorf("an extra outcome came back: %+v", g)
	default:
	}
}

// MIN-GATE: refused readings are never stored, and are counted by reason.
func TestIngestRefused(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	dev, _ := e.Device(t, true, hearth.ModeCloud)
	unclaimed, _ := e.Device(t, false, hearth.ModeCloud)
	local, _ := e.Device(t, true, hearth.ModeLocalOnly)
	tests := []struct {
		name       string
		dev        *hearth.Device
		payload    []byte
		wantCode   string
		wantReason string
	}{
		{"undeclared category", dev, ingesttest.Payload("r1", "heartbeat", ""), hearth.EREFUSED, "undeclared_category"},
		{"category not of model", dev, ingesttest.Payload("r2", "location", ""), hearth.EREFUSED, "model_category"},
		{"person of another household", dev, ingesttest.Payload("r3", "presence", e.Stranger), hearth.EREFUSED, "unknown_person"},
		{"unknown person", dev, ingesttest.Payload("r4", "presence", "p_nobody"), hearth.EREFUSED, "unknown_person"},
		{"unclaimed device", unclaimed, ingesttest.Payload("r5", "temperature", ""), hearth.EREFUSED, "unclaimed"},
		{"local-only device", local, ingesttest.Payload("r6", "temperature", ""), hearth.EREFUSED, "local_only"},
		{"malformed", dev, []byte(`{"id":"r7"`), hearth.EINVALID, "malformed"},
		{"future time", dev, []byte(`{"id":"r8","time":"2999-01-01T00:00:00Z","category":"temperature","values":{"a":1}}`), hearth.EINVALID, "future_time"},
		{"too large", dev, make([]byte, hearth.MaxReadingSize+1), hearth.ETOOLARGE, "too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counter := e.metrics.ReadingsRefused.WithLabelValues("mqtt", tt.wantReason)
			before := testutil.ToFloat64(counter)
			_, err := e.svc.Ingest(ctx, tt.dev, ingest.TransportMQTT, tt.payload)
			if code := hearth.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("Ingest error = %v (code %q), want code %q", err, code, tt.wantCode)
			}
			if got := ingest.RefusalReason(err); got != tt.wantReason {
				t.Errorf("RefusalReason = %q, want %q", got, tt.wantReason)
			}
			if got := testutil.ToFloat64(counter) - before; got != 1 {
				t.Errorf("refused{reason=%q} grew by %v, want 1", tt.wantReason, got)
			}
		})
	}
	if got := len(e.readings(t)); got != 0 {
		t.Errorf("stored readings = %d, want 0", got)
	}
}

// SEC-BRUTE: unknown device and wrong secret look the same; repeated
// failures throttle the wrong secrets, while the device with its right
// secret still gets in (a stranger cannot lock a device out).
func TestAuthenticateDevice(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	dev, secret := e.Device(t, true, hearth.ModeCloud)
	got, err := e.svc.AuthenticateDevice(ctx, dev.ID, secret)
	if err != nil || got.ID != dev.ID {
		t.Fatalf("AuthenticateDevice(right secret) = %v, %v; want device %s", got, err, dev.ID)
	}
	_, errWrong := e.svc.AuthenticateDevice(ctx, dev.ID, "wrong")
	_, errUnknown := e.svc.AuthenticateDevice(ctx, "dev_unknown", secret)
	for name, err := range map[string]error{"wrong secret": errWrong, "unknown device": errUnknown} {
		if code := hearth.ErrorCode(err); code != hearth.EUNAUTHORIZED {
			t.Errorf("%s: code %q, want %q", name, code, hearth.EUNAUTHORIZED)
		}
	}
	if a, b := hearth.ErrorMessage(errWrong), hearth.ErrorMessage(errUnknown); a != b {
		t.Errorf("messages differ: %q vs %q; want the same", a, b)
	}
	for range ingest.AuthFailureLimit - 1 {
		e.svc.AuthenticateDevice(ctx, dev.ID, "wrong")
	}
	if _, err := e.svc.AuthenticateDevice(ctx, dev.ID, "wrong again"); hearth.ErrorCode(err) != hearth.ETOOMANY {
		t.Errorf("a wrong secret after %d failures: error %v, want code %s", ingest.AuthFailureLimit, err, hearth.ETOOMANY)
	}
	if got, err := e.svc.AuthenticateDevice(ctx, dev.ID, secret); err != nil || got.ID != dev.ID {
		t.Errorf("the right secret after %d failures: %v, %v; want the device (the lock must not shut it out)", ingest.AuthFailureLimit, got, err)
	}
	if got, want := testutil.ToFloat64(e.metrics.AuthFailures.WithLabelValues("device", "bad_credential")), float64(ingest.AuthFailureLimit+1); got != want {
		t.Errorf("bad_credential failures = %v, want %v", got, want)
	}
}

// SEC-BRUTE: an over-long device ID gets the unknown device's answer and
// is never kept by the failure limiter: however often it fails, it is not
// throttled (a throttled ID would be one the limiter holds in memory).
func TestAuthenticateDeviceLongID(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	long := strings.Repeat("d", ingest.MaxDeviceIDLength+1)
	for i := range 3 * ingest.AuthFailureLimit {
		_, err := e.svc.AuthenticateDevice(ctx, long, "secret")
		if code := hearth.ErrorCode(err); code != hearth.EUNAUTHORIZED {
			t.Fatalf("attempt %d with a %d-byte ID: code %q, want %q", i+1, len(long), code, hearth.EUNAUTHORIZED)
		}
	}
	atLimit := strings.Repeat("d", ingest.MaxDeviceIDLength)
	for range ingest.AuthFailureLimit {
		e.svc.AuthenticateDevice(ctx, atLimit, "secret")
	}
	if _, err := e.svc.AuthenticateDevice(ctx, atLimit, "secret"); hearth.ErrorCode(err) != hearth.ETOOMANY {
		t.Errorf("a %d-byte ID after %d failures: %v, want it throttled like any other ID", len(atLimit), ingest.AuthFailureLimit, err)
	}
}

// Group commit under load: every reading reported Stored is in the store
// exactly once, and resends from many goroutines are stored once — with one
// writer, and with several committing batches at once, on SQLite and on
// PostgreSQL (where resends of one reading race in concurrent
// transactions).
func TestIngestConcurrent(t *testing.T) {
	stores := map[string]func(t *testing.T) hearth.Store{
		"sqlite": func(t *testing.T) hearth.Store {
			db, err := sqlite.Open(t.TempDir())
			if err != nil {
				t.Fatalf("open store: %v", err)
			}
			return db
		},
		"postgres": func(t *testing.T) hearth.Store {
			data, keys := pgtest.Store(t)
			db, err := postgres.Open(t.Context(), data, keys)
			if err != nil {
				t.Fatalf("open store: %v", err)
			}
			return db
		},
	}
	for name, open := range stores {
		for _, writers := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s/writers=%d", name, writers), func(t *testing.T) {
				testIngestConcurrent(t, newEnvOn(t, open(t), ingest.Config{MaxBatch: 64, Writers: writers}))
			})
		}
	}
}

func testIngestConcurrent(t *testing.T, e *env) {
	ctx := context.Background()
	const devices, perDevice = 8, 60
	var wg sync.WaitGroup
	var mu sync.Mutex
	storedIDs := map[int64]string{}
	for d := range devices {
		dev, _ := e.Device(t, true, hearth.ModeCloud)
		for g := range 3 { // three goroutines send the same messages: resends race
			wg.Go(func() {
				for i := range perDevice {
					res, err := e.svc.Ingest(ctx, dev, ingest.TransportMQTT, ingesttest.Payload(fmt.Sprintf("d%d-m%d", d, i), "temperature", ""))
					if err != nil {
						t.Errorf("Ingest (goroutine %d): %v", g, err)
						return
					}
					if res.Stored {
						mu.Lock()
						storedIDs[res.ReadingID] = dev.ID
						mu.Unlock()
					}
				}
			})
		}
	}
	wg.Wait()
	rs := e.readings(t)
	if got, want := len(rs), devices*perDevice; got != want {
		t.Errorf("stored readings = %d, want %d", got, want)
	}
	if got, want := len(storedIDs), devices*perDevice; got != want {
		t.Errorf("readings reported Stored = %d, want %d", got, want)
	}
	seen := map[string]bool{}
	for _, r := range rs {
		key := r.DeviceID + "/" + r.MsgID
		if seen[key] {
			t.Errorf("reading %s stored twice", key)
		}
		seen[key] = true
		if storedIDs[r.ID] != r.DeviceID {
			t.Errorf("stored reading %d was not reported Stored to its device", r.ID)
		}
	}
}

// Close commits everything accepted before it, then refuses new readings.
func TestCloseFlushesPending(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer db.Close()
	f := ingesttest.Provision(t, db)
	svc := ingest.New(ingest.Config{Store: db, Keys: f.Keys, Manifest: f.Manifest})
	dev, _ := f.Device(t, true, hearth.ModeCloud)
	const n = 50
	results := make(chan error, n)
	for i := range n { // not started yet: these queue up
		go func() {
			_, err := svc.Ingest(ctx, dev, ingest.TransportMQTT, ingesttest.Payload(fmt.Sprintf("c%d", i), "temperature", ""))
			results <- err
		}()
	}
	svc.Start()
	var accepted int
	for range n / 2 {
		if err := <-results; err == nil {
			accepted++
		}
	}
	if err := svc.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for range n - n/2 {
		err := <-results
		switch {
		case err == nil:
			accepted++
		case hearth.ErrorCode(err) != hearth.EUNAVAILABLE:
			t.Errorf("Ingest during Close: %v, want success or %s", err, hearth.EUNAVAILABLE)
		}
	}
	rs, err := db.Readings(ctx, hearth.ReadingFilter{HouseholdID: f.Household, Limit: 1000})
	if err != nil {
		t.Fatalf("Readings: %v", err)
	}
	if got := len(rs); got != accepted {
		t.Errorf("stored readings = %d, want %d (every accepted one)", got, accepted)
	}
	_, err = svc.Ingest(ctx, dev, ingest.TransportMQTT, ingesttest.Payload("late", "temperature", ""))
	if code := hearth.ErrorCode(err); code != hearth.EUNAVAILABLE {
		t.Errorf("Ingest after Close: %v, want code %s", err, hearth.EUNAVAILABLE)
	}
}

// A store failure reaches every waiter: nothing is acknowledged that is not
// committed.
func TestIngestStoreFailure(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	dev, _ := e.Device(t, true, hearth.ModeCloud)
	// Seal the household's key first, so the failure is the commit's.
	if _, err := e.svc.Ingest(ctx, dev, ingest.TransportHTTP, ingesttest.Payload("ok", "temperature", "")); err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	if err := e.db.Close(); err != nil {
		t.Fatalf("close store: %v", err)
	}
	res, err := e.svc.Ingest(ctx, dev, ingest.TransportHTTP, ingesttest.Payload("lost", "temperature", ""))
	if err == nil || res.Stored {
		t.Fatalf("Ingest on a closed store = %+v, %v; want an error", res, err)
	}
	var he *hearth.Error
	if errors.As(err, &he) && he.Code != hearth.EINTERNAL && he.Code != hearth.EUNAVAILABLE {
		t.Errorf("error code = %q, want an internal failure", he.Code)
	}
	failed := e.metrics.ReadingsRefused.WithLabelValues("http", "error")
	if got := testutil.ToFloat64(failed); got != 1 {
		t.Errorf("refused{reason=error} = %v after a failed commit, want 1", got)
	}
	e.svc.Close(ctx)
	if _, err := e.svc.Ingest(ctx, dev, ingest.TransportHTTP, ingesttest.Payload("late", "temperature", "")); hearth.ErrorCode(err) != hearth.EUNAVAILABLE {
		t.Errorf("Ingest after Close = %v, want EUNAVAILABLE", err)
	}
	if got := testutil.ToFloat64(failed); got != 2 {
		t.Errorf("refused{reason=error} = %v after a reading refused while closed, want 2", got)
	}
}

// BenchmarkIngest measures ingestion throughput with the whole gate on the
// path: every reading is admitted by package policy (model, retention,
// value shape, purposes) for its subject, on ingesttest's manifest, whose
// one purpose is core, so every reading is stored. Half the readings are
// about a person, so the subject cache is on the path. There is no gate-off
// switch to compare with: BenchmarkAdmit in package policy measures the
// decision alone.
func BenchmarkIngest(b *testing.B) {
	ctx := context.Background()
	e := newEnvWith(b, ingest.Config{})
	devs := make([]*hearth.Device, 64)
	for i := range devs {
		devs[i], _ = e.Device(b, true, hearth.ModeCloud)
	}
	var next sync.Mutex
	n := 0
	b.SetParallelism(128) // many devices waiting at once, as on a busy broker
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		next.Lock()
		g := n // this goroutine's number: its message IDs are its own
		n++
		next.Unlock()
		dev := devs[g%len(devs)]
		i := 0
		for pb.Next() {
			i++
			person := ""
			if i%2 == 0 {
				person = e.Member
			}
			if _, err := e.svc.Ingest(ctx, dev, ingest.TransportMQTT, ingesttest.Payload(fmt.Sprintf("b%d-%d", g, i), "temperature", person)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "readings/s")
}

// LOCAL-ONLY: the right secret of a device in local-only mode is refused
// with EFORBIDDEN, over every transport that authenticates through here,
// and not counted as a failure; a wrong one is still EUNAUTHORIZED.
func TestAuthenticateLocalOnly(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	dev, secret := e.Device(t, true, hearth.ModeLocalOnly)
	if _, err := e.svc.AuthenticateDevice(ctx, dev.ID, secret); hearth.ErrorCode(err) != hearth.EFORBIDDEN || !strings.Contains(hearth.ErrorMessage(err), "local-only") {
		t.Errorf("right secret: %v, want EFORBIDDEN naming local-only mode", err)
	}
	if _, err := e.svc.AuthenticateDevice(ctx, dev.ID, "wrong"); hearth.ErrorCode(err) != hearth.EUNAUTHORIZED {
		t.Errorf("wrong secret: %v, want EUNAUTHORIZED", err)
	}
	if got := testutil.ToFloat64(e.metrics.AuthFailures.WithLabelValues("device", "bad_credential")); got != 1 {
		t.Errorf("bad_credential failures = %v, want 1 (the wrong secret only)", got)
	}
}

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
