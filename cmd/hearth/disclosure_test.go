package main

import (
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth/disclosure"
	"github.com/hearth-iot/hearth/disclosure/disclosuretest"
)

// TestServeDisclosureFlags: SEC-VDP: security.txt's settings come from
// flags or HEARTH_* variables and are validated, with an error naming the
// flag; a server reached at a non-loopback plaintext or wildcard address
// needs --public-url.
func TestServeDisclosureFlags(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string // "" for valid
	}{
		{nil, nil, ""},
		{[]string{"--public-url", "https://hearth.example", "--security-contact", "mailto:s@e.example, https://e.example/report",
			"--security-expires-days", "30", "--security-ack-days", "3", "--security-languages", "en,fr"}, nil, ""},
		{nil, map[string]string{"HEARTH_SECURITY_CONTACT": "tel:+44-113-496-0000", "HEARTH_SECURITY_ACK_DAYS": "10", "HEARTH_PUBLIC_URL": "https://h.example"}, ""},
		{[]string{"--public-url", "http://hearth.example"}, nil, "--public-url: public URL \"http://hearth.example\": give an https address"},
		{[]string{"--public-url", "https://hearth.example/x"}, nil, "--public-url: "},
		{[]string{"--security-contact", "security@e.example"}, nil, "--security-contact: contact \"security@e.example\""},
		{nil, map[string]string{"HEARTH_SECURITY_CONTACT": "ftp://e.example"}, "--security-contact: "},
		{[]string{"--security-expires-days", "365"}, nil, "--security-expires-days 365: give 1 to 364"},
		{[]string{"--security-expires-days", "0"}, nil, "--security-expires-days 0: "},
		{[]string{"--security-ack-days", "0"}, nil, "--security-ack-days 0: give 1 to 90"},
		{nil, map[string]string{"HEARTH_SECURITY_ACK_DAYS": "120"}, "--security-ack-days 120: "},
		{[]string{"--security-languages", " , "}, nil, "--security-languages: give at least one"},
		{[]string{"--security-languages", "en,english please"}, nil, "--security-languages: "},
		{[]string{"--http", "0.0.0.0:8080", "--insecure"}, nil, "--public-url: give the address people reach this server at"},
		{[]string{"--http", "0.0.0.0:8443", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, nil, "--public-url: give the address"},
		{[]string{"--http", "hearth.example:8443", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, nil, ""},
		{[]string{"--http", "0.0.0.0:8080", "--insecure", "--public-url", "https://hearth.example"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " ")+" "+strings.Join(keys(tt.env), " "), func(t *testing.T) {
			err := serveFlagsError(tt.args, func(k string) string { return tt.env[k] })
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// serveFlagsError parses and checks `hearth serve`'s flags from args and
// getenv, and returns the first problem.
func serveFlagsError(args []string, getenv func(string) string) error {
	cfg := defaultServeConfig()
	fs := newFlagSet("serve", serveSummary, &strings.Builder{})
	cfg.register(fs)
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	return cfg.check()
}

func keys(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
}

// TestServeSecurityTxt: SEC-VDP: `hearth serve` with the disclosure flags
// serves /.well-known/security.txt that parses per RFC 9116, with the
// configured contacts and languages and an Expires in the future within
// the configured days; its Policy answers with the configured
// acknowledgement time. Without the flags, the contact is the manifest's.
func TestServeSecurityTxt(t *testing.T) {
	p := startHearth(t, t.TempDir(), "--security-contact", "mailto:security@ember-home.example,https://ember-home.example/report",
		"--security-expires-days", "20", "--security-ack-days", "4", "--security-languages", "en,fr")
	before := time.Now()
	body := get(t, p.HTTP+disclosure.SecurityTxtPath)
	f, err := disclosuretest.Parse([]byte(body), p.HTTP+disclosure.SecurityTxtPath, before)
	if err != nil {
		t.Fatalf("security.txt: %v\n%s", err, body)
	}
	if got := strings.Join(f["Contact"], " "); got != "mailto:security@ember-home.example https://ember-home.example/report" {
		t.Errorf("Contact = %s, want the two configured", got)
	}
	if got := f["Preferred-Languages"]; len(got) != 1 || got[0] != "en, fr" {
		t.Errorf("Preferred-Languages = %q, want en, fr", got)
	}
	exp, _ := time.Parse(time.RFC3339, f["Expires"][0])
	if limit := time.Now().AddDate(0, 0, 20); exp.After(limit) {
		t.Errorf("Expires %v is after %v: more than the configured 20 days", exp, limit)
	}
	if len(f["Policy"]) != 1 || !strings.HasPrefix(f["Policy"][0], p.HTTP+"/") {
		t.Fatalf("Policy = %q, want a page of this server", f["Policy"])
	}
	if page := get(t, f["Policy"][0]); !strings.Contains(page, `<strong id="ack-days">4 days</strong>`) || !strings.Contains(page, "Safe harbour") {
		t.Errorf("the policy page does not promise acknowledgement within 4 days with a safe harbour:\n%s", page)
	}

	q := startHearth(t, t.TempDir())
	g, err := disclosuretest.Parse([]byte(get(t, q.HTTP+disclosure.SecurityTxtPath)), q.HTTP+disclosure.SecurityTxtPath, time.Now())
	if err != nil {
		t.Fatalf("default security.txt: %v", err)
	}
	if got := g["Contact"]; len(got) != 1 || got[0] != "mailto:privacy@ember-home.example" {
		t.Errorf("default Contact = %q, want the manifest controller's", got)
	}
}
