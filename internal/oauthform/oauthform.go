// Package oauthform is the stored form of OAuth clients and token records
// that both storage adapters share: what a record must hold to be stored,
// and the JSON held in the list columns. One place decides it, so either
// adapter refuses and reads the same records the same way.
package oauthform

import (
	"encoding/json"
	"fmt"

	"github.com/hearth-iot/hearth"
)

// MaxField bounds each ID, signature and name a record holds, in bytes.
const MaxField = 512

// CheckClient returns EINVALID unless c has an ID, a name and a creation
// time, and its ID and name are at most MaxField bytes.
func CheckClient(c *hearth.OAuthClient) error {
	switch {
	case c.ID == "" || len(c.ID) > MaxField:
		return hearth.Errorf(hearth.EINVALID, "an OAuth client needs an ID of 1 to %d bytes", MaxField)
	case c.Name == "" || len(c.Name) > MaxField:
		return hearth.Errorf(hearth.EINVALID, "an OAuth client needs a name of 1 to %d bytes", MaxField)
	case c.CreatedAt.IsZero():
		return hearth.Errorf(hearth.EINVALID, "an OAuth client needs its creation time")
	}
	return nil
}

// CheckToken returns EINVALID unless t is of a known kind, has a
// signature, request ID and client ID of 1 to MaxField bytes, a person ID
// of at most MaxField bytes and a request time. A zero ExpiresAt is
// allowed: the record never expires.
func CheckToken(t *hearth.OAuthToken) error {
	if !KnownKind(t.Kind) {
		return hearth.Errorf(hearth.EINVALID, "unknown OAuth token kind %q", t.Kind)
	}
	for _, f := range []struct{ name, v string }{{"signature", t.Signature}, {"request ID", t.RequestID}, {"client ID", t.ClientID}} {
		if f.v == "" || len(f.v) > MaxField {
			return hearth.Errorf(hearth.EINVALID, "an OAuth token record needs a %s of 1 to %d bytes", f.name, MaxField)
		}
	}
	if len(t.PersonID) > MaxField || len(t.AccessSignature) > MaxField {
		return hearth.Errorf(hearth.EINVALID, "an OAuth token record's person ID and access signature are at most %d bytes", MaxField)
	}
	if t.RequestedAt.IsZero() {
		return hearth.Errorf(hearth.EINVALID, "an OAuth token record needs its request time")
	}
	return nil
}

// KnownKind reports whether k is one of the kinds hearth defines.
func KnownKind(k hearth.OAuthTokenKind) bool {
	switch k {
	case hearth.OAuthAuthorizeCode, hearth.OAuthAccessToken, hearth.OAuthRefreshToken, hearth.OAuthPKCE:
		return true
	}
	return false
}

// List encodes a list of strings as a JSON array, [] for none.
func List(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, err := json.Marshal(l)
	if err != nil { // a []string always encodes
		panic(err)
	}
	return string(b)
}

// Lists decodes JSON arrays into the lists dst, in order; [] becomes nil.
func Lists(dst []*[]string, src ...string) error {
	for i, s := range src {
		var l []string
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			return fmt.Errorf("decode OAuth list column: %w", err)
		}
		if len(l) == 0 {
			l = nil
		}
		*dst[i] = l
	}
	return nil
}

// ClientLists returns the list columns of c: redirect URIs and scopes.
func ClientLists(c *hearth.OAuthClient) (redirectURIs, scopes string) {
	return List(c.RedirectURIs), List(c.Scopes)
}

// TokenLists returns the list columns of t: scopes, granted scopes,
// audience and granted audience.
func TokenLists(t *hearth.OAuthToken) (scopes, grantedScopes, audience, grantedAudience string) {
	return List(t.Scopes), List(t.GrantedScopes), List(t.Audience), List(t.GrantedAudience)
}

// Messages both adapters give.
const (
	MsgClientTaken   = "an OAuth client with that ID exists already"
	MsgNoClient      = "no such OAuth client"
	MsgTokenTaken    = "an OAuth token record of that kind and signature exists already"
	MsgNoToken       = "no such OAuth token record"
	MsgTokenInactive = "that OAuth token record was used or revoked already"
)
