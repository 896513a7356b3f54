package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the hearth binary built once for the package's tests.
var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// buildBinary builds cmd/hearth into a temporary directory, once.
func buildBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hearth-e2e-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "hearth")
		out, err := exec.Command("go", "build", "-o", binaryPath, ".").CombinedOutput()
		if err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatalf("build hearth: %v", binaryErr)
	}
	return binaryPath
}

// proc is a running hearth server.
type proc struct {
	cmd      *exec.Cmd
	HTTP     string // http://host:port
	MQTT     string // tcp://host:port, for paho
	MQTTAddr string // host:port
	Metrics  string // the /metrics URL on --metrics-addr; "" without it
	stderr   *lockedBuffer
	done     chan struct{} // closed when the process has exited
	waitErr  error         // the exit error, set before done is closed
}

// lockedBuffer collects a process's stderr for failure messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startHearth starts `hearth serve` on data dir with extra args, waits for
// both listening lines and for /healthz to answer 200. The server is killed
// when the test ends.
func startHearth(t *testing.T, data string, args ...string) *proc {
	t.Helper()
	return startServe(t, append([]string{"--data", data}, args...)...)
}

// startServe starts `hearth serve` with args (which name the store: --data,
// or --store and its companions) on ports 0 unless args give others, waits
// for both listening lines and for /healthz to answer 200. The server is
// killed when the test ends.
func startServe(t *testing.T, args ...string) *proc {
	t.Helper()
	all := append([]string{"serve", "--http", "127.0.0.1:0", "--mqtt", "127.0.0.1:0"}, args...)
	p := &proc{cmd: exec.Command(buildBinary(t), all...), stderr: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Env = cleanEnv()
	p.cmd.Stderr = p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("stdout pipe: %v", err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start hearth: %v", err)
	}
	t.Cleanup(func() { p.kill() })
	go func() { p.waitErr = p.cmd.Wait(); close(p.done) }()
	p.readListening(t, out, slices.Contains(args, "--metrics-addr"))
	p.waitHealthy(t)
	return p
}

// configHome is the XDG_CONFIG_HOME the tests give the binary, so that
// default key files go to a temporary directory, never to the real $HOME.
var (
	configHomeOnce sync.Once
	configHome     string
)

// cleanEnv returns the environment without HEARTH_* variables, with
// XDG_CONFIG_HOME set to a temporary directory: each data directory's
// default key file (hearth/NAME-HASH.kek) is made there.
func cleanEnv() []string {
	configHomeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hearth-e2e-config-")
		if err != nil {
			panic("create test config home: " + err.Error())
		}
		configHome = dir
	})
	env := []string{"XDG_CONFIG_HOME=" + configHome}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "HEARTH_") && !strings.HasPrefix(e, "XDG_CONFIG_HOME=") {
			env = append(env, e)
		}
	}
	return env
}

// readListening parses the two listening lines from the server's stdout.
func (p *proc) readListening(t *testing.T, out io.Reader, metrics bool) {
	t.Helper()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, out)
	}()
	timeout := time.After(60 * time.Second)
	for p.HTTP == "" || p.MQTT == "" || (metrics && p.Metrics == "") {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("hearth exited before listening; stderr:\n%s", p.stderr)
			}
			p.parseLine(l)
		case <-timeout:
			t.Fatalf("hearth did not print its listening lines in 60s; stderr:\n%s", p.stderr)
		}
	}
	go func() {
		for range lines {
		}
	}()
}

func (p *proc) parseLine(l string) {
	if a, ok := strings.CutPrefix(l, "hearth: http listening on "); ok {
		p.HTTP = a
	}
	if a, ok := strings.CutPrefix(l, "hearth: mqtt listening on mqtt://"); ok {
		p.MQTTAddr, p.MQTT = a, "tcp://"+a
	}
	if a, ok := strings.CutPrefix(l, "hearth: metrics on "); ok {
		p.Metrics = a
	}
	if a, ok := strings.CutPrefix(l, "hearth: mqtt listening on mqtts://"); ok { // with --tls-cert
		p.MQTTAddr, p.MQTT = a, "tls://"+a
	}
}

// healthClient polls /healthz; it trusts any certificate, for servers
// started with a test's self-signed one.
var healthClient = &http.Client{Timeout: 10 * time.Second,
	Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}

// waitHealthy polls /healthz until it answers 200.
func (p *proc) waitHealthy(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := healthClient.Get(p.HTTP + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s/healthz did not answer 200 in 30s; stderr:\n%s", p.HTTP, p.stderr)
}

// kill kills the server with SIGKILL, if it is still running, and waits.
func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and returns the exit error (nil for exit status 0).
func (p *proc) stop(t *testing.T) error {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.waitErr
	case <-time.After(60 * time.Second):
		t.Fatalf("hearth did not exit within 60s of SIGTERM; stderr:\n%s", p.stderr)
		return nil
	}
}

// runHearth runs the binary to completion and returns its exit code,
// stdout and stderr.
func runHearth(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, buildBinary(t), args...)
	cmd.Env = cleanEnv()
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), o.String(), e.String()
	}
	if err != nil {
		t.Fatalf("run hearth %v: %v", args, err)
	}
	return 0, o.String(), e.String()
}
