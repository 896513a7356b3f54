package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// raw sends body with contentType and returns the response body, checking
// the status.
func (a *api) raw(method, path string, body []byte, want int) []byte {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/zip")
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		a.t.Fatalf("%s %s: status %d, want %d; body %.300s", method, path, resp.StatusCode, want, b)
	}
	return b
}

// download requests person's export in household hh as a, who signed up
// with email (signUp's password), and downloads it.
func (a *api) download(email, hh, person string) []byte {
	a.t.Helper()
	link := a.call("POST", "/v1/households/"+hh+"/people/"+person+"/exports",
		map[string]string{"password": "correct horse battery staple " + email}, http.StatusCreated)["url"].(string)
	return a.raw("GET", link, nil, http.StatusOK)
}

// exported is what a test reads back from an export archive.
type exported struct {
	files    map[string][]byte
	readings map[string]json.RawMessage // values by message ID
	ids      map[string]int64           // the exporting instance's reading ID by message ID
	inferred map[string]string          // source by message ID, for inferences
}

func readExport(t *testing.T, data []byte) *exported {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("the export is not a ZIP: %v", err)
	}
	x := &exported{files: map[string][]byte{}, readings: map[string]json.RawMessage{}, ids: map[string]int64{}, inferred: map[string]string{}}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read %s: %v", f.Name, err)
		}
		x.files[f.Name] = b
		if !strings.HasPrefix(f.Name, "readings/") || !strings.HasSuffix(f.Name, ".jsonl") {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			var r struct {
				ID       int64           `json:"id"`
				MsgID    string          `json:"msg_id"`
				Inferred bool            `json:"inferred"`
				Source   string          `json:"source"`
				Values   json.RawMessage `json:"values"`
			}
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			x.readings[r.MsgID], x.ids[r.MsgID] = r.Values, r.ID
			if r.Inferred {
				x.inferred[r.MsgID] = r.Source
			}
		}
	}
	return x
}

// consentStates returns consents/state.json without ledger sequence
// numbers, which differ between instances.
func (x *exported) consentStates(t *testing.T) map[string]map[string]any {
	t.Helper()
	var st map[string]map[string]any
	if err := json.Unmarshal(x.files["consents/state.json"], &st); err != nil {
		t.Fatalf("consents/state.json: %v", err)
	}
	for _, s := range st {
		delete(s, "seq")
	}
	return st
}

// TestExportImportTwoInstances drives two real servers: on A, a person
// with readings in every category of the fitness manifest, consents and a
// withdrawn one; their export (RIGHT-ACCESS) holds every reading, byte-equal
// to what the reading API opens, readings withheld from reads included, and
// none of another member's (RIGHT-ACCESS-OTHERS); inferences name their
// source (ACCURACY-INFERRED). B's owner imports it (RIGHT-PORT) and exports
// the restored profile (RIGHT-UNREGISTERED): the same readings and
// consents; a second import changes nothing. The same through the CLI.
func TestExportImportTwoInstances(t *testing.T) {
	h := newConsentHome(t)
	a := h.adult
	a.call("PUT", h.person(h.adultID)+"/settings", map[string]any{"features": []string{"health", "maps"},
		"location": "precise", "feature_location": map[string]string{"maps": "precise"}}, http.StatusOK)
	req := a.call("GET", h.person(h.adultID)+"/consents/health-insights/request", nil, http.StatusOK)
	h.consent(a, h.adultID, "health-insights", "give", req["statement"].(string), http.StatusOK)
	h.consent(a, h.adultID, "workout-maps", "give", "", http.StatusOK)

	values := map[string]map[string]any{
		"heart-rate": {"bpm": 61}, "sleep": {"stage": "deep", "minutes": 42}, "steps": {"steps": 5012},
		"route": {"lat": 53.796512, "lon": -1.547834}, "device-health": {"battery_percent": 87},
	}
	send := func(id, person, cat string, v map[string]any, inferred bool) {
		msg := string(payload(id, cat, v))
		extra := `"person":"` + person + `",`
		if inferred {
			extra += `"inferred":true,`
		}
		msg = strings.Replace(msg, `"category"`, extra+`"category"`, 1)
		httpPost(t, h.p.HTTP, h.band, []byte(msg), http.StatusCreated)
	}
	var mine []string
	for cat, v := range values {
		for i := range 3 {
			id := fmt.Sprintf("%s-%d", cat, i)
			send(id, h.adultID, cat, v, i == 2)
			mine = append(mine, id)
		}
	}
	send("owner-steps", h.ownerID, "steps", map[string]any{"steps": 777}, false)
	send("owner-health", h.ownerID, "device-health", map[string]any{"battery_percent": 12}, false)

	// What the reading API opens, by reading ID, while every purpose may read.
	opened := map[int64]json.RawMessage{}
	for _, purpose := range []string{"activity-tracking", "health-insights", "workout-maps", "device-security"} {
		rs, _ := a.readingsFor(h.hh, purpose)
		for _, r := range rs {
			opened[r.ID] = r.Values
		}
	}
	// Withdrawn: the routes are withheld from reads from now on, but stay
	// the person's data and are exported.
	h.consent(a, h.adultID, "workout-maps", "withdraw", "", http.StatusOK)

	x := readExport(t, a.download("adult@example.com", h.hh, h.adultID))
	if len(x.readings) != len(mine) {
		t.Errorf("export holds %d readings, want %d", len(x.readings), len(mine))
	}
	for _, id := range mine {
		got, ok := x.readings[id]
		if want := opened[x.ids[id]]; !ok || !bytes.Equal(got, want) {
			t.Errorf("reading %s: exported %s, the API opens %s", id, got, want)
		}
		if strings.HasSuffix(id, "-2") && !strings.Contains(x.inferred[id], h.band.ID) {
			t.Errorf("inference %s: source %q does not name the device", id, x.inferred[id])
		}
	}
	for name, b := range x.files {
		if bytes.Contains(b, []byte(h.ownerID)) || bytes.Contains(b, []byte("owner-steps")) {
			t.Errorf("%s holds the owner's data", name)
		}
	}

	// Instance B: its owner restores the person into their household.
	dataB := t.TempDir()
	b := startHearth(t, dataB, "--manifest", fitnessManifest)
	ownerB := signUp(t, b.HTTP, "owner-b@example.com")
	hhB := ownerB.call("POST", "/v1/households", map[string]string{"name": "New home"}, http.StatusCreated)["id"].(string)
	archive := a.download("adult@example.com", h.hh, h.adultID)
	var res map[string]any
	json.Unmarshal(ownerB.raw("POST", "/v1/households/"+hhB+"/imports", archive, http.StatusCreated), &res)
	if res["readings"] != float64(len(mine)) || res["already_imported"] != false {
		t.Errorf("import = %v, want %d readings newly imported", res, len(mine))
	}
	y := readExport(t, ownerB.download("owner-b@example.com", hhB, h.adultID))
	if !cmp.Equal(y.readings, x.readings) {
		t.Errorf("readings on B differ from A's:\n%s", cmp.Diff(x.readings, y.readings))
	}
	if d := cmp.Diff(x.consentStates(t), y.consentStates(t)); d != "" {
		t.Errorf("consents on B differ from A's (-A +B):\n%s", d)
	}
	if !bytes.Equal(x.files["consents/receipts.json"], y.files["consents/receipts.json"]) {
		t.Errorf("receipts on B differ from A's:\n%s\n%s", x.files["consents/receipts.json"], y.files["consents/receipts.json"])
	}
	json.Unmarshal(ownerB.raw("POST", "/v1/households/"+hhB+"/imports", archive, http.StatusOK), &res)
	if res["already_imported"] != true {
		t.Errorf("second import = %v, want already imported", res)
	}
	if z := readExport(t, ownerB.download("owner-b@example.com", hhB, h.adultID)); !cmp.Equal(z.readings, y.readings) || len(z.files["consents/ledger.jsonl"]) != len(y.files["consents/ledger.jsonl"]) {
		t.Errorf("a second import changed B")
	}

	// The same through the command line, into a third data directory.
	out := filepath.Join(t.TempDir(), "adult.zip")
	code, stdout, stderr := runHearth(t, context.Background(), "export", "--data", h.data, "--manifest", fitnessManifest,
		"--person", h.adultID, "--out", out)
	if code != 0 || !strings.Contains(stdout, fmt.Sprintf("%d readings", len(mine))) {
		t.Fatalf("hearth export: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if stderr != "" {
		t.Errorf("hearth export wrote %q to a stderr that is not a terminal, want quiet", stderr)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("export file: %v, mode %v; want 0600", err, st.Mode())
	}
	dataC := t.TempDir()
	for i, want := range []string{"imported person " + h.adultID, "was imported already"} {
		code, stdout, stderr = runHearth(t, context.Background(), "import", "--data", dataC, "--manifest", fitnessManifest, out)
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("hearth import #%d: exit %d, stdout %q, stderr %q; want %q", i+1, code, stdout, stderr, want)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.zip")
	os.WriteFile(bad, []byte("PK not really"), 0o600)
	code, _, stderr = runHearth(t, context.Background(), "import", "--data", dataC, "--manifest", fitnessManifest, bad)
	if code != 1 || !strings.Contains(stderr, "not a ZIP archive") {
		t.Errorf("hearth import of a bad file: exit %d, stderr %q; want 1 and the problem", code, stderr)
	}
}
