package main

import (
	"flag"
	"net"
	"net/netip"
	"strings"

	httpapi "github.com/hearth-iot/hearth/http"
	"github.com/hearth-iot/hearth/proxyproto"
)

// registerProxy defines --proxy-protocol on fs.
func (c *serveConfig) registerProxy(fs *flag.FlagSet) {
	fs.StringVar(&c.ProxyProtocol, "proxy-protocol", c.ProxyProtocol, "comma-separated addresses or networks (CIDR) of TCP load balancers that send a PROXY protocol header (v1 or v2) before each client's bytes, on the MQTT and HTTP listeners: a connection from them must start with one, and the client address it gives is the one the per-address limits count; connections from elsewhere are served as they are (default: none)")
}

// checkProxy checks --proxy-protocol.
func (c *serveConfig) checkProxy() error {
	_, err := c.proxyProtocol()
	return err
}

// proxyProtocol parses --proxy-protocol: addresses or CIDR networks,
// comma-separated.
func (c *serveConfig) proxyProtocol() ([]netip.Prefix, error) {
	return parseNetworks("--proxy-protocol", c.ProxyProtocol)
}

// proxyListener returns ln, or, with --proxy-protocol, a listener that
// reads the PROXY protocol header of the load balancers' connections
// (within the time net/http gives a request's headers) and takes the
// client's address from it.
func proxyListener(ln net.Listener, lbs []netip.Prefix) net.Listener {
	if len(lbs) == 0 {
		return ln
	}
	return &proxyproto.Listener{Listener: ln, Trusted: lbs, Timeout: httpapi.DefaultHeaderTimeout}
}

// parseNetworks parses a flag's comma-separated list of IP addresses and
// CIDR networks; an address becomes a network of that one address.
func parseNetworks(flagName, list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, usagef("%s %q: %q is neither an IP address nor a network such as 10.0.0.0/8", flagName, list, f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
