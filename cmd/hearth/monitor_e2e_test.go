package main

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/hearth-iot/hearth/internal/testcert"
	"github.com/pquerna/otp/totp"
)

// strangerIP is the loopback address the SEC-MONITOR test's client comes
// from, so any trace of the client's address in logs or metrics is found.
var strangerIP = net.IPv4(127, 0, 0, 2)

// TestSecurityMonitoringHoldsNoPersonalData: SEC-MONITOR: the metrics and
// logs that security monitoring feeds hold no personal data. `hearth
// serve` over TLS, at log level debug, sees from one client address
// (127.0.0.2): a sign-up, wrong and used claim codes, a password change
// with a wrong current password, wrong authenticator-app and recovery
// codes after the right password, wrong passwords past the lock-out, an
// unknown e-mail, a second sign-up with the same e-mail, wrong device
// secrets over HTTP past the lock-out and over MQTT, and a TLS handshake
// that is not one. /metrics counts the failures
// (hearth_auth_failures_total, so the monitoring works), and neither it
// nor the log holds the e-mail addresses, the person's or account's ID,
// the display name, the household's name or ID, the client's address, the
// passwords, codes or secrets tried, or the real ones (the app's secret, a
// recovery code, the second-step and session tokens among them).
func TestSecurityMonitoringHoldsNoPersonalData(t *testing.T) {
	data := t.TempDir()
	creds, _, ownerEmail, ownerPassword := provisionDevices(t, data, "ember-t1", 1, "Monitor home")
	unclaimed, _, _, _ := provisionDevices(t, data, "ember-s1", 1, "")
	cert, key := selfSignedCert(t)
	p := startHearth(t, data, "--tls-cert", cert, "--tls-key", key, "--log-level", "debug", "--metrics-token", monitorMetricsToken)
	c := strangerClient()
	const (
		email    = "zebedee.monitor@example.org"
		unknown  = "nobody.monitor@example.org"
		name     = "Zebedee Quux-Monitor"
		password = "a long and private passphrase 93"
		wrongPW  = "wrong passphrase guess 4711"
		wrongDev = "0123456789abcdef-wrong-device-secret"
	)
	if res := call(t, c, "POST", p.HTTP+"/v1/accounts", "", map[string]string{"email": email, "password": password, "display_name": name}); res.status != http.StatusAccepted {
		t.Fatalf("sign-up: status %d, want 202: %s", res.status, res.body)
	}
	res := call(t, c, "POST", p.HTTP+"/v1/sessions", "", map[string]string{"email": email, "password": password})
	token, _ := res.json["token"].(string)
	me := call(t, c, "GET", p.HTTP+"/v1/me", token, nil)
	person, _ := me.json["person_id"].(string)
	account, _ := me.json["account_id"].(string)
	if person == "" || account == "" {
		t.Fatalf("could not sign in to learn the person's ID: %d %s; %d %s", res.status, res.body, me.status, me.body)
	}
	const home, wrongCode = "Zebedee's Monitor Cottage", "WRNG-CODE-9999"
	hh, _ := call(t, c, "POST", p.HTTP+"/v1/households", token, map[string]string{"name": home}).json["id"].(string)
	for _, code := range []string{wrongCode, wrongCode, unclaimed[0].Code, unclaimed[0].Code} {
		call(t, c, "POST", p.HTTP+"/v1/households/"+hh+"/devices", token, map[string]string{"code": code})
	}
	call(t, c, "POST", p.HTTP+"/v1/me/password", token, map[string]string{"current_password": wrongPW, "new_password": wrongPW + " new"})
	totpSecret, recovery, step := secondFactorFailures(t, c, p.HTTP, token, email, password)
	for range 7 {
		call(t, c, "POST", p.HTTP+"/v1/sessions", "", map[string]string{"email": email, "password": wrongPW})
	}
	call(t, c, "POST", p.HTTP+"/v1/sessions", "", map[string]string{"email": unknown, "password": wrongPW})
	call(t, c, "POST", p.HTTP+"/v1/accounts", "", map[string]string{"email": email, "password": wrongPW, "display_name": name})
	dev := creds[0]
	for range 12 {
		req, _ := http.NewRequest("POST", p.HTTP+"/v1/devices/"+dev.ID+"/readings", strings.NewReader(`{"id":"m1","category":"device-health","values":{"battery_percent":50,"rssi_dbm":-60,"firmware":"1.0.0"}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+wrongDev)
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	strangerMQTT(t, p.MQTTAddr, dev.ID, wrongDev)
	badHandshake(t, p.HTTP)

	metrics := scrape(t, c, p.HTTP)
	for _, kind := range []string{`kind="sign_in"`, `kind="device"`, `kind="second_factor"`} {
		if !strings.Contains(metrics, "hearth_auth_failures_total{"+kind) {
			t.Errorf("/metrics counts no %s failure: security monitoring sees nothing", kind)
		}
	}
	markers := map[string]string{
		"e-mail": email, "unknown e-mail": unknown, "owner's e-mail": ownerEmail, "e-mail's local part": "zebedee.monitor",
		"person ID": person, "account ID": account, "display name": name, "display name's part": "Quux-Monitor", "client address": strangerIP.String(),
		"password": password, "wrong password": wrongPW, "owner's password": ownerPassword,
		"wrong device secret": wrongDev, "device secret": dev.Secret, "claim code": unclaimed[0].Code, "wrong claim code": wrongCode,
		"household's name": home, "session token": token, "household ID": hh,
		"TOTP secret": totpSecret, "recovery code": recovery, "second-step token": step,
	}
	if hh == "" {
		t.Error("could not create a household to claim into")
	}
	logs := p.stderr.String()
	for what, m := range markers {
		if strings.Contains(metrics, m) {
			t.Errorf("/metrics holds the %s %q", what, m)
		}
		if strings.Contains(logs, m) {
			t.Errorf("the log holds the %s %q:\n%s", what, m, linesWith(logs, m))
		}
	}
}

// secondFactorFailures turns an authenticator app on for the account
// signed in with token, then signs in with the password and sends wrong
// app and recovery codes. It returns the app's secret, a recovery code and
// the second-step token, none of which may reach the log or the metrics.
func secondFactorFailures(t *testing.T, c *http.Client, base, token, email, password string) (secret, recovery, step string) {
	t.Helper()
	enrol := call(t, c, "POST", base+"/v1/me/second-factor/totp", token, nil)
	secret, _ = enrol.json["secret"].(string)
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatalf("TOTP code from %s: %v", enrol.body, err)
	}
	confirm := call(t, c, "POST", base+"/v1/me/second-factor/totp/confirm", token, map[string]string{"code": code})
	codes, _ := confirm.json["recovery_codes"].([]any)
	if len(codes) == 0 {
		t.Fatalf("turning the app on: %d %s", confirm.status, confirm.body)
	}
	recovery, _ = codes[0].(string)
	first := call(t, c, "POST", base+"/v1/sessions", "", map[string]string{"email": email, "password": password})
	if step, _ = first.json["second_step_token"].(string); first.status != http.StatusAccepted || step == "" {
		t.Fatalf("sign-in with the app on: %d %s, want 202 with a second-step token", first.status, first.body)
	}
	for _, f := range []struct{ method, code string }{{"totp", "000000"}, {"totp", "999999"}, {"recovery", strings.ToUpper(recovery[:len(recovery)/2]) + "zz"}} {
		if res := call(t, c, "POST", base+"/v1/sessions/second-factor", "", map[string]string{"second_step_token": step, "method": f.method, "code": f.code}); res.status == http.StatusCreated {
			t.Fatalf("a wrong %s code opened a session", f.method)
		}
	}
	return secret, recovery, step
}

// strangerClient is an HTTP client whose connections come from strangerIP
// and that trusts any certificate (the test server's is self-signed).
func strangerClient() *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: strangerIP}, Timeout: 30 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
}

// response is an answer of call.
type response struct {
	status int
	body   []byte
	json   map[string]any
}

// call sends a JSON request with an optional bearer token; it fails the
// test only if the request cannot be sent.
func call(t *testing.T, c *http.Client, method, url, token string, body any) response {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	res := response{status: resp.StatusCode}
	res.body, _ = io.ReadAll(resp.Body)
	json.Unmarshal(res.body, &res.json)
	return res
}

// strangerMQTT connects to the gateway from strangerIP as the device with
// a wrong secret, and checks that it is refused.
func strangerMQTT(t *testing.T, addr, deviceID, secret string) {
	t.Helper()
	o := paho.NewClientOptions().AddBroker("tls://" + addr).SetClientID(deviceID).SetUsername(deviceID).SetPassword(secret).
		SetDialer(&net.Dialer{LocalAddr: &net.TCPAddr{IP: strangerIP}, Timeout: 30 * time.Second}).
		SetTLSConfig(&tls.Config{InsecureSkipVerify: true}).SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(30 * time.Second)
	cl := paho.NewClient(o)
	tok := cl.Connect()
	if !tok.WaitTimeout(30*time.Second) || tok.Error() == nil {
		t.Errorf("MQTT connect with a wrong secret: not refused within 30s")
	}
	cl.Disconnect(0)
}

// badHandshake sends the HTTPS port from strangerIP a request that is not
// a TLS handshake, and waits until the server closes the connection.
func badHandshake(t *testing.T, base string) {
	t.Helper()
	conn, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: strangerIP}}).Dial("tcp", strings.TrimPrefix(base, "https://"))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	io.Copy(io.Discard, conn)
}

// monitorMetricsToken is the --metrics-token /metrics needs (SEC-BRUTE).
const monitorMetricsToken = "monitor-metrics-token-0123456789abcdef"

// scrape returns /metrics.
func scrape(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	res := call(t, c, "GET", base+"/metrics", monitorMetricsToken, nil)
	if res.status != http.StatusOK {
		t.Fatalf("GET /metrics: status %d", res.status)
	}
	return string(res.body)
}

// linesWith returns the lines of text that contain s.
func linesWith(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// selfSignedCert writes a self-signed certificate for 127.0.0.1 and its
// key, and returns the two files.
func selfSignedCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	return testcert.New(t).WriteFiles(t, t.TempDir(), 0o600)
}
