package main

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/synth"
)

// activeFor reports whether purpose is on for the person as docs/api.md
// states it: consent given and, for a purpose a feature switches on, one of
// its features switched on.
func activeFor(m *manifest.Manifest, p *synth.Person, purpose string) bool {
	if !p.Gave(purpose) {
		return false
	}
	fs := m.FeaturesFor(purpose)
	return len(fs) == 0 || slices.ContainsFunc(fs, func(f *manifest.Feature) bool { return slices.Contains(p.Features, f.ID) })
}

// filter returns the readings of seq that keep says to.
func filter(seq iter.Seq[synth.Reading], keep func(synth.Reading) bool) iter.Seq[synth.Reading] {
	return func(yield func(synth.Reading) bool) {
		for r := range seq {
			if keep(r) && !yield(r) {
				return
			}
		}
	}
}

// TestSynthLoad loads a synthetic population of the fitness tracker into a
// real server through its public paths and checks it stores what the
// policy allows: the members, with each child's guardian; each person's
// consent decisions, made by them or their child's guardian; and each
// wearer's heart rate (health data) stored exactly when a purpose using it
// has the wearer's consent, refused otherwise, while steps (a core
// purpose) are stored for everyone (PET-SYNTH, CONSENT-OPTIN, MIN-GATE,
// CONSENT-CHILD).
func TestSynthLoad(t *testing.T) {
	b, err := os.ReadFile(fitnessManifest)
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Parse(fitnessManifest, b)
	if err != nil {
		t.Fatal(err)
	}
	g, pop := consentingAndNot(t, m)
	worn := 0
	for _, h := range pop.Households {
		worn += len(h.Devices)
	}
	data := t.TempDir()
	creds, _, _, _ := provisionDevices(t, data, "stride-band-2", worn, "", "--manifest", fitnessManifest)
	p := startHearth(t, data, "--manifest", fitnessManifest)
	ctx := t.Context()
	var clients []*http.Client
	for i := 1; i <= 4; i++ { // the server takes 10 sign-ups from one address
		cs, err := sourceClients("127.0.0." + strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, cs...)
	}
	l, err := synth.Load(ctx, synth.Target{API: p.HTTP, Provision: handOut(creds), SignUpClients: clients}, g, pop)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	to := time.Now().Truncate(time.Hour)
	from := to.Add(-12 * time.Hour)
	for _, h := range pop.Households {
		owner := &api{t: t, base: p.HTTP, token: l.Tokens[h.People[0].ID]}
		checkMembers(t, owner, l, &h)
		checkDecisions(t, p.HTTP, l, &h)
		for _, d := range h.Devices {
			wearer, _ := h.Person(d.Wearer)
			want := activeFor(m, wearer, "health-insights") || activeFor(m, wearer, "insurer-sharing")
			heart := filter(g.DeviceReadings(&h, &d, from, to), func(r synth.Reading) bool { return r.Category == "heart-rate" })
			n := 0
			for range heart {
				n++
			}
			sent, err := l.Send(ctx, heart)
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			if n == 0 || want && sent.Stored != n || !want && (sent.Stored != 0 || sent.Total() != n) {
				t.Errorf("%s (%s) heart rate: %d sent, %+v; consent active %v", d.ID, wearer.ID, n, sent, want)
			}
			steps := filter(g.DeviceReadings(&h, &d, from, to), func(r synth.Reading) bool { return r.Category == "steps" })
			if sent, err := l.Send(ctx, steps); err != nil || sent.Stored == 0 || sent.Stored != sent.Total() {
				t.Errorf("%s steps (core purpose): %+v, %v; want every one stored", d.ID, sent, err)
			}
			if want {
				self := &api{t: t, base: p.HTTP, token: l.Tokens[wearer.ID]}
				purpose := "health-insights"
				if !activeFor(m, wearer, purpose) {
					purpose = "insurer-sharing"
				}
				rs, _ := self.readingsFor(l.Households[h.ID], purpose)
				hr := 0
				for _, r := range rs {
					if r.Category == "heart-rate" && r.PersonID == l.People[wearer.ID] {
						hr++
					}
				}
				if hr != n {
					t.Errorf("%s reads %d of their heart-rate readings for %s, want %d", wearer.ID, hr, purpose, n)
				}
			}
		}
	}
}

// consentingAndNot returns a generator and population of the fitness
// tracker with both a wearer whose heart rate some purpose may use and one
// whose no purpose may, and at least one child.
func consentingAndNot(t *testing.T, m *manifest.Manifest) (*synth.Generator, *synth.Population) {
	t.Helper()
	for seed := uint64(1); seed < 200; seed++ {
		g := synth.NewWithOptions(m, seed, synth.Options{Interval: 15 * time.Minute})
		pop := g.Population(4)
		var yes, no, child bool
		for _, h := range pop.Households {
			for _, d := range h.Devices {
				w, _ := h.Person(d.Wearer)
				if activeFor(m, w, "health-insights") || activeFor(m, w, "insurer-sharing") {
					yes = true
				} else {
					no = true
				}
			}
			for _, q := range h.People {
				child = child || q.Role == hearth.RoleChild
			}
		}
		if yes && no && child && pop.Stats().Accounts <= 4*synth.SignUpLimit {
			return g, pop
		}
	}
	t.Fatal("no seed below 200 gives wearers with and without consent and a child")
	return nil, nil
}

// handOut returns a Provision that hands out creds in order.
func handOut(creds []cred) func(context.Context, string, string) (synth.Credential, error) {
	return func(context.Context, string, string) (synth.Credential, error) {
		if len(creds) == 0 {
			return synth.Credential{}, fmt.Errorf("no device left")
		}
		c := creds[0]
		creds = creds[1:]
		return synth.Credential{DeviceID: c.ID, Secret: c.Secret, ClaimCode: c.Code}, nil
	}
}

// checkMembers: the household's members are the population's, with their
// roles and each child's guardian.
func checkMembers(t *testing.T, owner *api, l *synth.Loaded, h *synth.Household) {
	t.Helper()
	ms := owner.call("GET", "/v1/households/"+l.Households[h.ID]+"/members", nil, http.StatusOK)["members"].([]any)
	if len(ms) != len(h.People) {
		t.Errorf("%s: %d members, want %d", h.ID, len(ms), len(h.People))
	}
	byID := map[string]map[string]any{}
	for _, m := range ms {
		m := m.(map[string]any)
		byID[m["person_id"].(string)] = m
	}
	for _, q := range h.People {
		m := byID[l.People[q.ID]]
		if m == nil || m["role"] != string(q.Role) {
			t.Errorf("%s: member %s is %v, want role %s", h.ID, q.ID, m, q.Role)
			continue
		}
		if q.Role == hearth.RoleChild && m["guardian_id"] != l.People[q.Guardian] {
			t.Errorf("%s: child %s has guardian %v, want %s", h.ID, q.ID, m["guardian_id"], l.People[q.Guardian])
		}
	}
}

var loadedLine = regexp.MustCompile(`loaded 2 synthetic households \(seed 3\).*\n(?s:.*)readings: (\d+) sent, (\d+) stored`)

// TestSynthCommand: `hearth synth population` is the same for the same
// seed; `hearth synth load` loads the thermostat's households into a
// running server with devices provisioned by `hearth devices provision`,
// and their readings are stored; bad flags are refused with the flag named
// (PET-SYNTH).
func TestSynthCommand(t *testing.T) {
	ctx := t.Context()
	_, a, _ := runHearth(t, ctx, "synth", "population", "--households", "3", "--seed", "9")
	_, b, _ := runHearth(t, ctx, "synth", "population", "--households", "3", "--seed", "9")
	if a != b || !strings.Contains(a, `"households"`) {
		t.Errorf("two runs with seed 9 differ or hold no households:\n%s\n%s", a, b)
	}
	for _, args := range [][]string{
		{"synth", "population", "--households", "0"},
		{"synth", "readings", "--from", "yesterday"},
		{"synth", "load"},
		{"synth", "load", "--api", "http://127.0.0.1:1", "--creds", "toaster"},
		{"synth", "nonsense"},
	} {
		if code, _, stderr := runHearth(t, ctx, args...); code != exitUsage || !strings.Contains(stderr, "hearth: ") {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", args, code, stderr)
		}
	}
	data := t.TempDir()
	dir := t.TempDir()
	var flags []string
	for _, model := range []string{"ember-t1", "ember-s1"} {
		out := filepath.Join(dir, model+".csv")
		if code, _, stderr := runHearth(t, ctx, "devices", "provision", "--data", data, "--model", model, "--count", "8", "--out", out); code != 0 {
			t.Fatalf("provision: %s", stderr)
		}
		flags = append(flags, "--creds", model+"="+out)
	}
	p := startHearth(t, data)
	args := append([]string{"synth", "load", "--api", p.HTTP, "--households", "2", "--seed", "3", "--days", "0.25"}, flags...)
	code, stdout, stderr := runHearth(t, ctx, args...)
	mm := loadedLine.FindStringSubmatch(stdout)
	if code != 0 || mm == nil || mm[2] == "0" {
		t.Fatalf("synth load: exit %d, stdout %s, stderr %s; want 2 households loaded and readings stored", code, stdout, stderr)
	}
}

// checkDecisions: each person's consent state is their synthetic
// decisions, recorded by themselves or, for a child, by their guardian
// (CONSENT-CHILD).
func checkDecisions(t *testing.T, base string, l *synth.Loaded, h *synth.Household) {
	t.Helper()
	for _, q := range h.People {
		decider := q.ID
		if q.Role == hearth.RoleChild {
			decider = q.Guardian
		}
		if len(q.Decisions) == 0 {
			continue
		}
		a := &api{t: t, base: base, token: l.Tokens[decider]}
		st := a.call("GET", "/v1/households/"+l.Households[h.ID]+"/people/"+l.People[q.ID]+"/consents", nil, http.StatusOK)["consents"].(map[string]any)
		for _, d := range q.Decisions {
			want := map[bool]string{true: "given", false: "refused"}[d.Give]
			got, _ := st[d.Purpose].(map[string]any)
			if got["status"] != want || got["actor"] != l.People[decider] {
				t.Errorf("%s %s: %v, want %s by %s", q.ID, d.Purpose, got, want, decider)
			}
		}
	}
}
