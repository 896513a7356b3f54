package disclosure_test

import (
	"html"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth/disclosure"
	"github.com/hearth-iot/hearth/disclosure/disclosuretest"
)

var now = time.Date(2026, 12, 1, 6, 30, 0, 0, time.UTC)

func config() disclosure.Config {
	return disclosure.Config{BaseURL: "https://hearth.example", Contacts: []string{"mailto:security@ember.example", "tel:+44-113-496-0000"},
		ExpiresDays: 30, AckDays: 3, Languages: []string{"en", "fr"}, Organisation: "Ember Home Ltd",
		Models: []string{"Ember T1 smart thermostat"}, Now: func() time.Time { return now }}
}

// TestSecurityTxt: SEC-VDP: security.txt parses per RFC 9116 (Contact,
// one Expires in the future, Policy, Preferred-Languages, Canonical), and
// every field comes from the configuration; Expires follows the clock.
func TestSecurityTxt(t *testing.T) {
	d, err := disclosure.New(config())
	if err != nil {
		t.Fatal(err)
	}
	f, err := disclosuretest.Parse(d.SecurityTxt(), "https://hearth.example/.well-known/security.txt", now)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, d.SecurityTxt())
	}
	want := disclosuretest.Fields{
		"Contact":             {"mailto:security@ember.example", "tel:+44-113-496-0000"},
		"Expires":             {"2026-12-31T06:30:00Z"},
		"Policy":              {"https://hearth.example/security/policy"},
		"Preferred-Languages": {"en, fr"},
		"Canonical":           {"https://hearth.example/.well-known/security.txt"},
	}
	for name, w := range want {
		if got := f[name]; strings.Join(got, "|") != strings.Join(w, "|") {
			t.Errorf("%s = %q, want %q", name, got, w)
		}
	}
	if len(f) != len(want) {
		t.Errorf("fields %v, want exactly %v", f, want)
	}
	if _, err := disclosuretest.Parse(d.SecurityTxt(), "https://hearth.example/.well-known/security.txt", now.AddDate(0, 0, 30)); err == nil {
		t.Error("Parse 30 days later succeeded, want the file stale")
	}
}

// TestPolicyPage: SEC-VDP: the disclosure policy page states the scope
// (this service, the manifest's models), how to report (the configured
// contacts and languages), the acknowledgement time from configuration and
// a safe harbour.
func TestPolicyPage(t *testing.T) {
	d, err := disclosure.New(config())
	if err != nil {
		t.Fatal(err)
	}
	page := html.UnescapeString(string(d.PolicyHTML()))
	for _, want := range []string{
		`<h2>Scope</h2>`, "https://hearth.example/", "The Ember T1 smart thermostat, its firmware",
		`<h2>How to report</h2>`, `href="mailto:security@ember.example"`, `href="tel:+44-113-496-0000"`, "Languages we read: en, fr",
		`<strong id="ack-days">3 days</strong>`,
		`<h2>Safe harbour</h2>`, "we will not take or support legal action against you",
		"Ember Home Ltd",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("policy page lacks %q", want)
		}
	}
}

// TestConfigRefused: SEC-VDP: a configuration that would make an invalid
// security.txt is refused with the field named.
func TestConfigRefused(t *testing.T) {
	tests := []struct {
		name string
		edit func(*disclosure.Config)
		want string
	}{
		{"no contact", func(c *disclosure.Config) { c.Contacts = nil }, "contact: give at least one"},
		{"contact not a URI", func(c *disclosure.Config) { c.Contacts = []string{"security@ember.example"} }, `contact "security@ember.example"`},
		{"contact http", func(c *disclosure.Config) { c.Contacts = []string{"http://ember.example/report"} }, "contact"},
		{"contact with a space", func(c *disclosure.Config) { c.Contacts = []string{"mailto:a@b.example x"} }, "contact"},
		{"public URL http", func(c *disclosure.Config) { c.BaseURL = "http://hearth.example" }, "give an https address"},
		{"public URL with a path", func(c *disclosure.Config) { c.BaseURL = "https://hearth.example/app" }, "public URL"},
		{"public URL relative", func(c *disclosure.Config) { c.BaseURL = "hearth.example" }, "public URL"},
		{"expires a year", func(c *disclosure.Config) { c.ExpiresDays = 365 }, "expires: 365 days"},
		{"expires negative", func(c *disclosure.Config) { c.ExpiresDays = -1 }, "expires"},
		{"acknowledgement too late", func(c *disclosure.Config) { c.AckDays = 91 }, "acknowledgement: 91 days"},
		{"language", func(c *disclosure.Config) { c.Languages = []string{"english please"} }, "languages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config()
			tt.edit(&c)
			_, err := disclosure.New(c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	t.Run("http on loopback", func(t *testing.T) {
		c := config()
		c.BaseURL = "http://127.0.0.1:8080"
		if _, err := disclosure.New(c); err != nil {
			t.Errorf("New = %v, want nil", err)
		}
	})
}

// TestParseRefuses checks that disclosuretest.Parse, which the tests of
// security.txt rely on, refuses files that break RFC 9116.
func TestParseRefuses(t *testing.T) {
	const loc = "https://h.example/.well-known/security.txt"
	good := "Contact: mailto:s@h.example\nExpires: 2027-01-01T00:00:00Z\n"
	tests := map[string]string{
		"no contact":            "Expires: 2027-01-01T00:00:00Z\n",
		"no expires":            "Contact: mailto:s@h.example\n",
		"two expires":           good + "Expires: 2027-01-02T00:00:00Z\n",
		"expired":               "Contact: mailto:s@h.example\nExpires: 2026-01-01T00:00:00Z\n",
		"bad date":              "Contact: mailto:s@h.example\nExpires: 1 January 2027\n",
		"not a field":           good + "hello\n",
		"two languages":         good + "Preferred-Languages: en\nPreferred-Languages: fr\n",
		"bad language":          good + "Preferred-Languages: en, english please\n",
		"http policy":           good + "Policy: http://h.example/policy\n",
		"other canonical":       good + "Canonical: https://other.example/.well-known/security.txt\n",
		"not UTF-8":             good + "# \xff\n",
		"signed":                "-----BEGIN PGP SIGNED MESSAGE-----\n" + good,
		"empty value":           good + "Policy: \n",
		"two expires, any case": good + "expires: 2027-01-02T00:00:00Z\n",
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := disclosuretest.Parse([]byte(body), loc, now); err == nil {
				t.Errorf("Parse(%q) = nil error, want a problem", body)
			}
		})
	}
	if _, err := disclosuretest.Parse([]byte("# c\r\n"+strings.ReplaceAll(good, "\n", "\r\n")+"canonical:"+loc+"\r\n"), loc, now); err != nil {
		t.Errorf("Parse(good, CRLF) = %v, want nil", err)
	}
}
