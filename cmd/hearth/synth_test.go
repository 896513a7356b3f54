package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
)

// TestSynthCreds: `hearth synth load --creds` reads the CSV `hearth devices
// provision` writes, keeps the devices with a claim code, hands each out
// once, and names the file and line of a malformed row (PET-SYNTH).
func TestSynthCreds(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.csv", "device_id,secret,claim_code\ndev_a,s1,c1\ndev_b,s2,\ndev_c,s3,c3\n")
	cs, err := readCreds(good)
	if err != nil || len(cs) != 2 || cs[0].DeviceID != "dev_a" || cs[1].ClaimCode != "c3" {
		t.Fatalf("readCreds = %+v, %v; want dev_a and dev_c (dev_b is claimed already)", cs, err)
	}
	bad := write("bad.csv", "device_id,secret,claim_code\ndev_a,s1\n")
	if _, err := readCreds(bad); err == nil || !strings.Contains(err.Error(), "bad.csv") {
		t.Errorf("readCreds of a short row: %v, want an error naming the file", err)
	}
	m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (credsFlag{"toaster": good}).provisioner(m); err == nil || !strings.Contains(err.Error(), `"toaster" is not a model`) {
		t.Errorf("a model not in the manifest: %v", err)
	}
	prov, err := (credsFlag{"ember-t1": good}).provisioner(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dev_a", "dev_c"} {
		if c, err := prov(t.Context(), "ember-t1", "1.0.0"); err != nil || c.DeviceID != want {
			t.Errorf("provision = %+v, %v; want %s", c, err, want)
		}
	}
	if _, err := prov(t.Context(), "ember-t1", "1.0.0"); err == nil || !strings.Contains(err.Error(), "no unclaimed ember-t1 device left") {
		t.Errorf("a third device of two: %v", err)
	}
	if _, err := prov(t.Context(), "ember-s1", "1.0.0"); err == nil {
		t.Error("a model without --creds: no error")
	}
}
