package main

import (
	"flag"
	"net"
	"strings"

	"github.com/hearth-iot/hearth/disclosure"
	"github.com/hearth-iot/hearth/manifest"
)

// disclosureConfig is the configuration of security.txt and the
// vulnerability disclosure policy (SEC-VDP), from flags and HEARTH_*
// environment variables.
type disclosureConfig struct {
	// PublicURL is the server's address as people reach it; "" is the
	// HTTP listen address, allowed only when that is loopback or TLS on a
	// named host.
	PublicURL string
	// Contacts are comma-separated URIs; "" is mailto: the manifest's
	// controller contact.
	Contacts    string
	ExpiresDays int
	AckDays     int
	Languages   string // comma-separated language tags
}

// register defines the flags on fs, with c's values as defaults.
func (c *disclosureConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "the server's address as people reach it, such as https://hearth.example, named by security.txt and the disclosure policy and linked by the privacy hub's QR code (default: the HTTP listen address; required when that is not loopback and not TLS on a named host)")
	fs.StringVar(&c.Contacts, "security-contact", c.Contacts, "where to report security problems: comma-separated mailto:, https: or tel: URIs, for security.txt and the disclosure policy (default: mailto: the manifest's controller contact)")
	fs.IntVar(&c.ExpiresDays, "security-expires-days", c.ExpiresDays, "days from each request to security.txt's Expires, 1 to 364")
	fs.IntVar(&c.AckDays, "security-ack-days", c.AckDays, "days within which the disclosure policy promises to acknowledge a report, 1 to 90")
	fs.StringVar(&c.Languages, "security-languages", c.Languages, "languages reports may be written in, comma-separated language tags such as en,fr")
}

// defaultDisclosureConfig returns the defaults.
func defaultDisclosureConfig() disclosureConfig {
	return disclosureConfig{ExpiresDays: disclosure.DefaultExpiresDays, AckDays: disclosure.DefaultAckDays, Languages: "en"}
}

// check validates the flags against the HTTP listen address; every
// problem is a usageError naming its flag.
func (c *disclosureConfig) check(httpAddr string, tls bool) error {
	if c.PublicURL != "" {
		if err := disclosure.CheckBaseURL(c.PublicURL); err != nil {
			return usagef("--public-url: %v", err)
		}
	} else if host, _, _ := net.SplitHostPort(httpAddr); !isLoopback(host) && (!tls || host == "" || net.ParseIP(host) != nil && net.ParseIP(host).IsUnspecified()) {
		return usagef("--public-url: give the address people reach this server at, such as https://hearth.example: security.txt and the disclosure policy name it (SEC-VDP), and %q is not it", httpAddr)
	}
	for _, uri := range splitList(c.Contacts) {
		if err := disclosure.CheckContact(uri); err != nil {
			return usagef("--security-contact: %v", err)
		}
	}
	if c.ExpiresDays < 1 || c.ExpiresDays > disclosure.MaxExpiresDays {
		return usagef("--security-expires-days %d: give 1 to %d (RFC 9116 recommends less than a year)", c.ExpiresDays, disclosure.MaxExpiresDays)
	}
	if c.AckDays < 1 || c.AckDays > disclosure.MaxAckDays {
		return usagef("--security-ack-days %d: give 1 to %d", c.AckDays, disclosure.MaxAckDays)
	}
	if len(splitList(c.Languages)) == 0 {
		return usagef("--security-languages: give at least one language tag, such as en")
	}
	for _, l := range splitList(c.Languages) {
		if err := disclosure.CheckLanguage(l); err != nil {
			return usagef("--security-languages: %v", err)
		}
	}
	return nil
}

// documents renders security.txt and the disclosure policy for m, served
// at listenURL unless --public-url says otherwise.
func (c *disclosureConfig) documents(m *manifest.Manifest, listenURL string) (*disclosure.Documents, error) {
	base := c.PublicURL
	if base == "" {
		base = listenURL
	}
	contacts := splitList(c.Contacts)
	if len(contacts) == 0 {
		contacts = []string{controllerContact(m.Controller.Contact)}
	}
	var models []string
	for _, d := range m.Models {
		models = append(models, d.Name)
	}
	return disclosure.New(disclosure.Config{BaseURL: base, Contacts: contacts, ExpiresDays: c.ExpiresDays, AckDays: c.AckDays,
		Languages: splitList(c.Languages), Organisation: m.Controller.Name, Models: models})
}

// controllerContact returns the manifest's contact as a URI: an e-mail
// address becomes mailto:.
func controllerContact(contact string) string {
	if strings.Contains(contact, "@") && !strings.Contains(contact, ":") {
		return "mailto:" + contact
	}
	return contact
}

// splitList splits a comma-separated list, dropping empty items and
// surrounding spaces.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
