// Package disclosure renders Hearth's vulnerability disclosure documents
// (SEC-VDP): security.txt as RFC 9116 defines it, and the disclosure
// policy page its Policy field points at (scope, how to report, the
// acknowledgement time, safe harbour). Both come from configuration: the
// operator's contacts, acknowledgement time, languages and public address,
// and the product's name and device models from the manifest.
package disclosure

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Paths of the documents on the server.
const (
	SecurityTxtPath = "/.well-known/security.txt"
	PolicyPath      = "/security/policy"
)

// Defaults and bounds of Config.
const (
	DefaultExpiresDays = 90 // RFC 9116 recommends less than a year
	MaxExpiresDays     = 364
	DefaultAckDays     = 5
	MaxAckDays         = 90
)

// Config is what the documents say. The zero value is not valid: BaseURL
// and at least one contact are required (Validate).
type Config struct {
	// BaseURL is the server's public address, such as
	// "https://hearth.example" (no path): security.txt's Canonical and
	// Policy fields and the policy page's links start with it. It must be
	// https, except on a loopback host (local tests and the demo).
	BaseURL string
	// Contacts are the URIs to report a vulnerability to, in order of
	// preference: mailto:, https: or tel: (RFC 9116 section 2.5.3).
	Contacts []string
	// ExpiresDays is how far ahead of now security.txt's Expires field is,
	// 1 to MaxExpiresDays; 0 means DefaultExpiresDays.
	ExpiresDays int
	// AckDays is the number of days within which a report is
	// acknowledged, 1 to MaxAckDays; 0 means DefaultAckDays.
	AckDays int
	// Languages are the languages reports may be written in, as language
	// tags (RFC 5646) such as "en"; empty means "en".
	Languages []string
	// Organisation is who runs the service and answers reports: the
	// manifest's controller.
	Organisation string
	// Models are the names of the device models in scope.
	Models []string
	// Now is the clock for Expires; nil means time.Now.
	Now func() time.Time
}

// Documents are the rendered disclosure documents. A Documents is
// read-only and safe for concurrent use.
type Documents struct {
	fields  string // security.txt without its Expires field
	expires int
	now     func() time.Time
	policy  []byte
}

// New validates c and renders the documents. It returns Validate's error,
// or an error from rendering the policy page.
func New(c Config) (*Documents, error) {
	c = c.withDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(c.BaseURL, "/")
	var f strings.Builder
	for _, uri := range c.Contacts {
		fmt.Fprintf(&f, "Contact: %s\n", uri)
	}
	fmt.Fprintf(&f, "Policy: %s%s\n", base, PolicyPath)
	fmt.Fprintf(&f, "Preferred-Languages: %s\n", strings.Join(c.Languages, ", "))
	fmt.Fprintf(&f, "Canonical: %s%s\n", base, SecurityTxtPath)
	var b bytes.Buffer
	data := policyData{Config: c, Base: base}
	for _, uri := range c.Contacts {
		data.Links = append(data.Links, template.URL(uri))
	}
	if err := policyPage.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("render disclosure policy: %w", err)
	}
	return &Documents{fields: f.String(), expires: c.ExpiresDays, now: c.Now, policy: b.Bytes()}, nil
}

// SecurityTxt returns security.txt (RFC 9116) with Expires set
// Config.ExpiresDays ahead of the clock, in UTC to the second.
func (d *Documents) SecurityTxt() []byte {
	exp := d.now().UTC().AddDate(0, 0, d.expires).Truncate(time.Second)
	return fmt.Appendf(nil, "# Report security problems in this service and its devices: see the Policy.\n%sExpires: %s\n",
		d.fields, exp.Format(time.RFC3339))
}

// PolicyHTML returns the disclosure policy page.
func (d *Documents) PolicyHTML() []byte { return d.policy }

func (c Config) withDefaults() Config {
	if c.ExpiresDays == 0 {
		c.ExpiresDays = DefaultExpiresDays
	}
	if c.AckDays == 0 {
		c.AckDays = DefaultAckDays
	}
	if len(c.Languages) == 0 {
		c.Languages = []string{"en"}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// languageTag is a language tag's shape (RFC 5646, loosely: subtags of
// letters and digits joined by hyphens).
var languageTag = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)

// Validate reports the first problem of c, naming the field. A zero
// ExpiresDays or AckDays and empty Languages are valid (the defaults).
func (c Config) Validate() error {
	if err := CheckBaseURL(c.BaseURL); err != nil {
		return err
	}
	if len(c.Contacts) == 0 {
		return fmt.Errorf("contact: give at least one URI to report security problems to, such as mailto:security@example.com")
	}
	for _, uri := range c.Contacts {
		if err := CheckContact(uri); err != nil {
			return err
		}
	}
	if c.ExpiresDays < 0 || c.ExpiresDays > MaxExpiresDays {
		return fmt.Errorf("expires: %d days: give 1 to %d (RFC 9116 recommends less than a year)", c.ExpiresDays, MaxExpiresDays)
	}
	if c.AckDays < 0 || c.AckDays > MaxAckDays {
		return fmt.Errorf("acknowledgement: %d days: give 1 to %d", c.AckDays, MaxAckDays)
	}
	for _, l := range c.Languages {
		if err := CheckLanguage(l); err != nil {
			return err
		}
	}
	return nil
}

// CheckLanguage checks one language tag, such as en or pt-BR.
func CheckLanguage(tag string) error {
	if !languageTag.MatchString(tag) {
		return fmt.Errorf("languages: %q is not a language tag such as en or pt-BR", tag)
	}
	return nil
}

// CheckBaseURL checks the public address: an absolute https URL without
// path, query or fragment (http only on a loopback host).
func CheckBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || strings.TrimSuffix(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("public URL %q: give the server's address as people reach it, such as https://hearth.example", s)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname())) {
		return fmt.Errorf("public URL %q: give an https address (RFC 9116 allows security.txt over https only)", s)
	}
	return nil
}

// CheckContact checks one contact URI: mailto: with an address, https:
// with a host, or tel: with a number.
func CheckContact(s string) error {
	u, err := url.Parse(s)
	ok := err == nil && !strings.ContainsAny(s, " \t\r\n")
	if ok {
		switch u.Scheme {
		case "mailto":
			ok = strings.Contains(u.Opaque, "@")
		case "https":
			ok = u.Host != ""
		case "tel":
			ok = len(strings.Trim(u.Opaque, "+-0123456789 ")) == 0 && u.Opaque != ""
		default:
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("contact %q: give a mailto:, https: or tel: URI, such as mailto:security@example.com", s)
	}
	return nil
}

// loopback reports whether host is localhost or a loopback address.
func loopback(host string) bool {
	return host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"
}

//go:embed policy.html
var policyHTML string

var policyPage = template.Must(template.New("policy").Parse(policyHTML))

// policyData is what the policy page shows.
type policyData struct {
	Config
	Base string
	// Links are the contacts, checked by Validate, so the template keeps
	// tel: links too.
	Links []template.URL
}
