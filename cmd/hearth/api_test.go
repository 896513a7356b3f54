package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// api is a test client of the HTTP API, signed in with a bearer token.
type api struct {
	t     *testing.T
	base  string
	token string
}

// call sends a JSON request and checks the status; it returns the decoded
// JSON object of the response.
func (a *api) call(method, path string, body any, want int) map[string]any {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		a.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, resp.StatusCode, want, b)
	}
	out := map[string]any{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			a.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return out
}

// signUp creates an account and signs in.
func signUp(t *testing.T, base, email string) *api {
	t.Helper()
	a := &api{t: t, base: base}
	pw := "correct horse battery staple " + email
	a.call("POST", "/v1/accounts", map[string]string{"email": email, "password": pw, "display_name": "Tester"}, http.StatusAccepted)
	return signIn(t, base, email, pw)
}

// signIn signs in and returns a client with the session token.
func signIn(t *testing.T, base, email, password string) *api {
	t.Helper()
	a := &api{t: t, base: base}
	s := a.call("POST", "/v1/sessions", map[string]string{"email": email, "password": password}, http.StatusCreated)
	a.token, _ = s["token"].(string)
	if a.token == "" {
		t.Fatalf("sign-in returned no token: %v", s)
	}
	return a
}

// reading is a reading as the API lists it.
type reading struct {
	ID       int64           `json:"id"`
	DeviceID string          `json:"device_id"`
	PersonID string          `json:"person_id"`
	Category string          `json:"category"`
	Values   json.RawMessage `json:"values"`
}

// corePurposes are the thermostat's core purposes: between them they use
// every category its devices send, without consent.
var corePurposes = []string{"heating-control", "device-security"}

// allReadings pages through every reading of a household that its core
// purposes may read, in ID order.
func (a *api) allReadings(hh string) []reading {
	a.t.Helper()
	byID := map[int64]reading{}
	for _, purpose := range corePurposes {
		rs, _ := a.readingsFor(hh, purpose)
		for _, r := range rs {
			byID[r.ID] = r
		}
	}
	out := make([]reading, 0, len(byID))
	for _, r := range byID {
		out = append(out, r)
	}
	slices.SortFunc(out, func(x, y reading) int { return cmp.Compare(x.ID, y.ID) })
	return out
}

// readingsFor pages through every reading of a household that purpose may
// read, and sums the readings withheld, by reason.
func (a *api) readingsFor(hh, purpose string) ([]reading, map[string]int) {
	a.t.Helper()
	var out []reading
	withheld := map[string]int{}
	cursor := ""
	for {
		q := url.Values{"limit": {"1000"}, "purpose": {purpose}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		page := a.call("GET", "/v1/households/"+hh+"/readings?"+q.Encode(), nil, http.StatusOK)
		b, _ := json.Marshal(page["readings"])
		var rs []reading
		if err := json.Unmarshal(b, &rs); err != nil {
			a.t.Fatalf("decode readings: %v", err)
		}
		out = append(out, rs...)
		w, _ := page["withheld"].(map[string]any)
		for reason, n := range w {
			withheld[reason] += int(n.(float64))
		}
		cursor, _ = page["next_cursor"].(string)
		if cursor == "" {
			return out, withheld
		}
	}
}

// cred is a provisioned device's credential.
type cred struct{ ID, Secret, Code string }

var ownerLine = regexp.MustCompile(`household (\S+) created; owner sign-in: e-mail (\S+) password (\S+)`)

// provisionDevices runs `hearth devices provision` on data and returns the
// credentials; with household != "" also the household ID and owner login.
// extra are further flags, such as --manifest.
func provisionDevices(t *testing.T, data, model string, n int, household string, extra ...string) (creds []cred, hh, email, password string) {
	t.Helper()
	return provisionIn(t, []string{"--data", data}, model, n, household, extra...)
}

// provisionIn is provisionDevices on the store that the flags store name
// (--data DIR, or --store URL and its companions).
func provisionIn(t *testing.T, store []string, model string, n int, household string, extra ...string) (creds []cred, hh, email, password string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "creds.csv")
	args := append(append([]string{"devices", "provision"}, store...), "--model", model, "--count", fmt.Sprint(n), "--out", out)
	args = append(args, extra...)
	if household != "" {
		args = append(args, "--household", household)
	}
	code, stdout, stderr := runHearth(t, context.Background(), args...)
	if code != 0 {
		t.Fatalf("provision: exit %d; stderr %s", code, stderr)
	}
	if m := ownerLine.FindStringSubmatch(stdout); m != nil {
		hh, email, password = m[1], m[2], m[3]
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("read credentials: %v", err)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if i == 0 {
			continue
		}
		f := strings.Split(line, ",")
		creds = append(creds, cred{ID: f[0], Secret: f[1], Code: f[2]})
	}
	if len(creds) != n {
		t.Fatalf("provisioned %d devices, want %d", len(creds), n)
	}
	return creds, hh, email, password
}
