// Package disclosuretest checks security.txt files against RFC 9116, for
// the tests of the packages that serve one.
package disclosuretest

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Fields are the fields of a security.txt file, by name (field names are
// case-insensitive: a field RFC 9116 defines is keyed by its name as the
// RFC spells it, any other as written), each with its values in order.
type Fields map[string][]string

// fieldLine is one field: a name of letters, digits and hyphens, a colon,
// optional white space and a value (RFC 9116 section 4, ABNF "field").
var fieldLine = regexp.MustCompile(`^([A-Za-z0-9-]+):[ \t]*(\S.*)$`)

// names are the fields RFC 9116 defines.
var names = []string{"Acknowledgments", "Canonical", "Contact", "CSAF", "Encryption", "Expires", "Hiring", "Policy", "Preferred-Languages"}

// canonical returns the RFC's spelling of a field name.
func canonical(name string) string {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return n
		}
	}
	return name
}

// uriFields are the fields whose values are URIs (RFC 9116 section 2.5).
var uriFields = []string{"Acknowledgments", "Canonical", "Contact", "CSAF", "Encryption", "Hiring", "Policy"}

// Parse checks body as a security.txt file fetched from location at time
// now, and returns its fields. It returns the first problem with every
// rule of RFC 9116 that a file can break on its own: UTF-8, lines that are
// blank, comments or fields; at least one Contact; exactly one Expires,
// an RFC 3339 date-time after now; at most one Preferred-Languages, a
// comma-separated list of language tags; URIs that parse, web URIs with
// https (http only on a loopback host); and, when Canonical is given,
// location among its values. A signed file (OpenPGP cleartext) is
// refused: Hearth does not sign.
func Parse(body []byte, location string, now time.Time) (Fields, error) {
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("security.txt is not UTF-8")
	}
	f := Fields{}
	for i, line := range strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := fieldLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("line %d %q: not a field, a comment or blank", i+1, line)
		}
		name := canonical(m[1])
		f[name] = append(f[name], strings.TrimRight(m[2], " \t"))
	}
	for _, check := range []func(Fields, string, time.Time) error{checkContact, checkExpires, checkLanguages, checkURIs, checkCanonical} {
		if err := check(f, location, now); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func checkContact(f Fields, _ string, _ time.Time) error {
	if len(f["Contact"]) == 0 {
		return fmt.Errorf("no Contact field: RFC 9116 requires at least one")
	}
	return nil
}

func checkExpires(f Fields, _ string, now time.Time) error {
	if n := len(f["Expires"]); n != 1 {
		return fmt.Errorf("%d Expires fields: RFC 9116 requires exactly one", n)
	}
	exp, err := time.Parse(time.RFC3339, f["Expires"][0])
	if err != nil {
		return fmt.Errorf("field Expires %q: not an RFC 3339 date-time: %v", f["Expires"][0], err)
	}
	if !exp.After(now) {
		return fmt.Errorf("field Expires %v is not after %v: the file is stale", exp, now)
	}
	return nil
}

var languageTag = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)

func checkLanguages(f Fields, _ string, _ time.Time) error {
	v := f["Preferred-Languages"]
	if len(v) > 1 {
		return fmt.Errorf("%d Preferred-Languages fields: RFC 9116 allows one", len(v))
	}
	if len(v) == 1 {
		for _, tag := range strings.Split(v[0], ",") {
			if !languageTag.MatchString(strings.TrimSpace(tag)) {
				return fmt.Errorf("field Preferred-Languages: %q is not a language tag", tag)
			}
		}
	}
	return nil
}

func checkURIs(f Fields, _ string, _ time.Time) error {
	for _, name := range uriFields {
		for _, v := range f[name] {
			u, err := url.Parse(v)
			if err != nil || u.Scheme == "" {
				return fmt.Errorf("%s %q: not a URI", name, v)
			}
			if u.Scheme == "http" && !slices.Contains([]string{"localhost", "127.0.0.1", "::1"}, u.Hostname()) {
				return fmt.Errorf("%s %q: a web URI must be https (RFC 9116 section 2.5)", name, v)
			}
		}
	}
	return nil
}

func checkCanonical(f Fields, location string, _ time.Time) error {
	if c := f["Canonical"]; len(c) > 0 && !slices.Contains(c, location) {
		return fmt.Errorf("field Canonical %v does not list %s, where the file was fetched from", c, location)
	}
	return nil
}
