package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// TestErasureReachesRestoredBackup: a backup taken before a person's
// erasure and restored after it (keys.db kept, the same key file) gives
// nothing readable about them back: no reading through the API, no sign-in,
// no name in the household's members; and the marker planted in their
// reading values, display name and e-mail address is in clear neither in
// the backup file nor in the data directory (RIGHT-ERASE: erasure reaches
// backups; SEC-ENCRYPT: the backup holds only sealed personal data).
func TestErasureReachesRestoredBackup(t *testing.T) {
	data := t.TempDir()
	creds, hh, email, pw := provisionDevices(t, data, "ember-t1", 1, "Backup erase home")
	p := startHearth(t, data)
	owner := signIn(t, p.HTTP, email, pw)
	marker := "MARKER-backup-erase-9b3e"
	adultEmail, adultPW := marker+"@example.com", "correct horse battery staple "+marker
	a := &api{t: t, base: p.HTTP}
	a.call("POST", "/v1/accounts", map[string]string{"email": adultEmail, "password": adultPW, "display_name": "Name " + marker}, http.StatusAccepted)
	adult := signIn(t, p.HTTP, adultEmail, adultPW)
	me := adult.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)
	inv := owner.call("POST", "/v1/households/"+hh+"/invites", map[string]string{"role": "adult"}, http.StatusCreated)
	adult.call("POST", "/v1/invites/accept", map[string]string{"token": inv["token"].(string)}, http.StatusOK)
	for i := range 10 {
		httpPost(t, p.HTTP, creds[0], personPayload(fmt.Sprintf("be-%d", i), me, "setpoint", map[string]any{"celsius": 21, "source": marker}), http.StatusCreated)
	}
	if n := countAbout(adult.allReadings(hh), me); n != 10 {
		t.Fatalf("stored %d readings about the person, want 10 (the test proves nothing otherwise)", n)
	}
	if !containsMarker(owner.call("GET", "/v1/households/"+hh+"/members", nil, http.StatusOK), marker) {
		t.Fatal("the members list does not show the person's name before erasure (the test proves nothing otherwise)")
	}

	backup := filepath.Join(t.TempDir(), "before-erasure.db")
	if code, _, stderr := runHearth(t, context.Background(), "backup", "--data", data, "--out", backup); code != 0 {
		t.Fatalf("backup: exit %d; %s", code, stderr)
	}
	if b, _ := os.ReadFile(backup); bytes.Contains(b, []byte(marker)) {
		t.Error("the backup holds the marker in clear")
	}
	adult.call("POST", "/v1/households/"+hh+"/people/"+me+"/erasures",
		map[string]any{"everything": true, "confirm": true, "password": adultPW}, http.StatusOK)
	if err := p.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}

	if code, _, stderr := runHearth(t, context.Background(), "restore", "--data", data, "--force", backup); code != 0 {
		t.Fatalf("restore: exit %d; %s", code, stderr)
	}
	p = startHearth(t, data)
	owner = signIn(t, p.HTTP, email, pw)
	if n := countAbout(owner.allReadings(hh), me); n != 0 {
		t.Errorf("%d readings about the erased person after restoring a backup taken before the erasure, want 0", n)
	}
	if containsMarker(owner.call("GET", "/v1/households/"+hh+"/members", nil, http.StatusOK), marker) {
		t.Error("the restored backup shows the erased person's name")
	}
	a = &api{t: t, base: p.HTTP}
	a.call("POST", "/v1/sessions", map[string]string{"email": adultEmail, "password": adultPW}, http.StatusUnauthorized)
	scanFor(t, data, marker)
	if err := p.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
	scanFor(t, data, marker)
}

// containsMarker reports whether v, as JSON, contains marker.
func containsMarker(v any, marker string) bool {
	b, _ := json.Marshal(v)
	return bytes.Contains(b, []byte(marker))
}
