package main

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	demoAdultLine    = regexp.MustCompile(`adult:\s+(\S+) (\S+)`)
	demoEmailLine    = regexp.MustCompile(`e-mail:\s+(\S+)`)
	demoPasswordLine = regexp.MustCompile(`password:\s+(\S+)`)
	demoHouseLine    = regexp.MustCompile(`household:\s+(\S+)`)
	demoThermoLine   = regexp.MustCompile(`thermostat: the reference device \S+, local API (\S+), pairing code (\d+)`)
	demoSynthLine    = regexp.MustCompile(`their owners, such as (\S+), sign in with (\S+)`)
)

// TestDemo runs `hearth demo`: it prints the login, its simulated devices
// publish over real MQTT until their readings can be read through the API
// with that login, and SIGTERM stops it with exit status 0 (INT-DEVICES).
// Its key file lives in a temporary directory, outside the data directory,
// and is removed when it stops.
func TestDemo(t *testing.T) {
	d := startDemo(t)
	p, email, password, hh, cwd, tmp := d.p, d.email, d.password, d.hh, d.cwd, d.tmp
	a := signIn(t, p.HTTP, email, password)
	cats := map[string]bool{}
	for deadline := time.Now().Add(30 * time.Second); !(cats["room-temperature"] && cats["humidity"] && cats["device-health"]) && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		for _, r := range a.allReadings(hh) {
			cats[r.Category] = true
		}
	}
	for _, c := range []string{"room-temperature", "humidity", "device-health"} {
		if !cats[c] {
			t.Errorf("no %s readings from the demo fleet; got %v; stderr:\n%s", c, cats, p.stderr)
		}
	}
	var paired struct{ Token string }
	if s := localCall(t, "POST", d.local+"/local/v1/pair", "", `{"code":"`+d.code+`","name":"demo app"}`, &paired); s != 201 {
		t.Errorf("pair with the demo thermostat's printed code: %d, want 201", s) // INT-LOCAL: the demo runs the reference device
	}
	var st struct{ Model string }
	if s := localCall(t, "GET", d.local+"/local/v1/state", paired.Token, "", &st); s != 200 || st.Model != "ember-t1" {
		t.Errorf("the demo thermostat's local state: %d %+v, want 200 and model ember-t1", s, st)
	}
	if err := p.stop(t); err != nil {
		t.Errorf("demo stop: %v, want exit 0; stderr:\n%s", err, p.stderr)
	}
	if strings.Contains(p.stderr.String(), password) {
		t.Error("the demo password appears in the logs")
	}
	left, _ := filepath.Glob(filepath.Join(cwd, "*"))
	if len(left) != 1 || !strings.HasPrefix(filepath.Base(left[0]), "hearth-demo-") {
		t.Errorf("the demo left %v behind, want only its ./hearth-demo-* data directory", left)
	}
	if keys, _ := filepath.Glob(filepath.Join(tmp, "*")); len(keys) != 0 {
		t.Errorf("the demo left its key file behind: %v", keys) // RIGHT-ERASE: the demo data is unreadable once it stops
	}
	if k, _ := filepath.Glob(filepath.Join(cwd, "*", "*.kek")); len(k) != 0 {
		t.Errorf("the demo put its key file in its data directory: %v", k)
	}
}

// demo is a running `hearth demo` and what it printed.
type demo struct {
	p                                      *proc
	email, password, adultEmail, adultPass string
	hh                                     string
	local, code                            string // the thermostat's local API and pairing code
	synthOwner, synthPass                  string // a synthetic household's owner and password
	cwd, tmp                               string // its working directory and TMPDIR
}

// startDemo runs `hearth demo` with three devices publishing every 200 ms
// and reads its URL and logins.
func startDemo(t *testing.T) *demo {
	t.Helper()
	d := &demo{cwd: t.TempDir(), tmp: t.TempDir()} // the README's command gives no --data: a fresh ./hearth-demo-* is made
	cmd := exec.Command(buildBinary(t), "demo", "--http", "127.0.0.1:0", "--mqtt", "127.0.0.1:0",
		"--devices", "3", "--interval", "200ms")
	cmd.Dir = d.cwd
	cmd.Env = append(cleanEnv(), "TMPDIR="+d.tmp) // the demo's temporary key directory goes there
	p := &proc{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start demo: %v", err)
	}
	t.Cleanup(p.kill)
	go func() { p.waitErr = cmd.Wait(); close(p.done) }()
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "Press Ctrl-C") {
			break
		}
		p.parseLine(l)
		if m := demoEmailLine.FindStringSubmatch(l); m != nil {
			d.email = m[1]
		}
		if m := demoPasswordLine.FindStringSubmatch(l); m != nil {
			d.password = m[1]
		}
		if m := demoAdultLine.FindStringSubmatch(l); m != nil {
			d.adultEmail, d.adultPass = m[1], m[2]
		}
		if m := demoHouseLine.FindStringSubmatch(l); m != nil {
			d.hh = m[1]
		}
		if m := demoThermoLine.FindStringSubmatch(l); m != nil {
			d.local, d.code = m[1], m[2]
		}
		if m := demoSynthLine.FindStringSubmatch(l); m != nil {
			d.synthOwner, d.synthPass = m[1], m[2]
		}
	}
	if d.hh == "" || d.email == "" || d.password == "" || d.adultEmail == "" || p.HTTP == "" || d.local == "" {
		t.Fatalf("demo did not print its URL and logins; stderr:\n%s", p.stderr)
	}
	go func() {
		for sc.Scan() {
		}
	}()
	d.p = p
	return d
}
