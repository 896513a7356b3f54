package http

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// hstsValue is the Strict-Transport-Security header sent on responses to
// requests that came over TLS: two years, this host only.
const hstsValue = "max-age=63072000"

// maxForwardedHops bounds how many X-Forwarded-For entries are read.
const maxForwardedHops = 16

// peerAddr returns the IP address of the request's direct peer (the TCP
// connection's remote end), or the remote address as it is if it is not
// an IP address.
func peerAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// trusted reports whether addr is in one of the trusted proxy networks.
func (s *server) trusted(addr string) bool {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// clientAddr returns the client's IP address, the key for per-address rate
// limits. It is the direct peer's address, unless the peer is a trusted
// proxy (Config.TrustedProxies): then X-Forwarded-For is read from the
// right, skipping trusted proxies, and the first address not trusted is
// the client. Entries a client wrote itself sit left of that one and are
// never read, so a client cannot choose its own address.
func (s *server) clientAddr(r *http.Request) string {
	peer := peerAddr(r)
	if !s.trusted(peer) {
		return peer
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for _, a := range strings.Split(h, ",") {
			hops = append(hops, strings.TrimSpace(a))
		}
	}
	if len(hops) > maxForwardedHops {
		hops = hops[len(hops)-maxForwardedHops:]
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(hops[i])
		if err != nil {
			break // a malformed entry: trust nothing left of it
		}
		client = ip.Unmap().String()
		if !s.trusted(client) {
			break
		}
	}
	return client
}

// overTLS reports whether the request reached Hearth over TLS: directly,
// or through a trusted proxy that says so with X-Forwarded-Proto: https.
func (s *server) overTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.trusted(peerAddr(r)) && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

// secureCookies reports whether the session cookie set in answer to r gets
// the Secure attribute: when configured, or when r came over TLS.
func (s *server) secureCookies(r *http.Request) bool {
	return s.SecureCookies || s.overTLS(r)
}

// hsts sets Strict-Transport-Security on responses to requests that came
// over TLS (RFC 6797: never over plain HTTP).
func (s *server) hsts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.overTLS(r) {
			w.Header().Set("Strict-Transport-Security", hstsValue)
		}
		next.ServeHTTP(w, r)
	})
}
