package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth/synth"
)

// TestDemoSynthetic: `hearth demo` loads synthetic households beside its
// own, through the API: once it logs them loaded, the owner it prints
// signs in with the printed password and finds their household with its
// members and its day of readings (PET-SYNTH).
func TestDemoSynthetic(t *testing.T) {
	d := startDemo(t)
	if !strings.HasSuffix(d.synthOwner, "@"+synth.Domain) || d.synthPass == "" {
		t.Fatalf("the demo printed synthetic owner %q, password %q; want an address @%s", d.synthOwner, d.synthPass, synth.Domain)
	}
	// Signing in before the account exists would count as failures.
	for deadline := time.Now().Add(90 * time.Second); !strings.Contains(d.p.stderr.String(), "demo: synthetic households loaded"); time.Sleep(500 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not log its synthetic households loaded in 90 s; stderr:\n%s", d.p.stderr)
		}
	}
	owner := signIn(t, d.p.HTTP, d.synthOwner, d.synthPass)
	hh := ""
	if hs := owner.call("GET", "/v1/households", nil, http.StatusOK)["households"].([]any); len(hs) == 1 {
		hh = hs[0].(map[string]any)["id"].(string)
	}
	if hh == "" || hh == d.hh {
		t.Fatalf("the synthetic owner's household: %q, want one other than the demo's %s", hh, d.hh)
	}
	if ms := owner.call("GET", "/v1/households/"+hh+"/members", nil, http.StatusOK)["members"].([]any); len(ms) == 0 {
		t.Errorf("the synthetic household %s has no members", hh)
	}
	if n := len(owner.allReadings(hh)); n == 0 {
		t.Errorf("no readings in the synthetic household %s once loaded", hh)
	}
	if err := d.p.stop(t); err != nil {
		t.Errorf("demo stop: %v", err)
	}
}
