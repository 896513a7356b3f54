package http

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// SEC-BRUTE: the client address is the peer's, unless the peer is a
// trusted proxy: then X-Forwarded-For is read from the right, past trusted
// proxies, stopping at a malformed entry, and never further left than the
// first address not trusted, which a client cannot choose.
func TestClientAddr(t *testing.T) {
	s := &server{Config: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}}}
	for _, tt := range []struct {
		peer, xff, want string
	}{
		{"192.0.2.1:5000", "", "192.0.2.1"},
		{"192.0.2.1:5000", "203.0.113.9", "192.0.2.1"},                // an untrusted peer's header is ignored
		{"10.0.0.2:5000", "", "10.0.0.2"},                             // a proxy that sent no header
		{"10.0.0.2:5000", "203.0.113.9", "203.0.113.9"},               // the proxy's client
		{"10.0.0.2:5000", "198.51.100.1, 203.0.113.9", "203.0.113.9"}, // a prepended entry is not believed
		{"10.0.0.2:5000", "203.0.113.9, 10.0.0.7", "203.0.113.9"},     // two proxies
		{"10.0.0.2:5000", "203.0.113.9, junk", "10.0.0.2"},            // malformed: nothing left of it is read
		{"10.0.0.2:5000", "::ffff:203.0.113.9", "203.0.113.9"},
		{"[2001:db8::1]:443", "2001:db8:1::5, 2001:db8::9", "2001:db8:1::5"}, // every hop trusted: the leftmost read
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.peer
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := s.clientAddr(r); got != tt.want {
			t.Errorf("peer %s, X-Forwarded-For %q: client %q, want %q", tt.peer, tt.xff, got, tt.want)
		}
	}
}
