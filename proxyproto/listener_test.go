package proxyproto_test

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/hearth-iot/hearth/internal/proxytest"
	"github.com/hearth-iot/hearth/internal/testcert"
	"github.com/hearth-iot/hearth/proxyproto"
)

// listen returns a Listener on 127.0.0.1:0 trusting the given networks.
func listen(t *testing.T, timeout time.Duration, trusted ...string) *proxyproto.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	l := &proxyproto.Listener{Listener: ln, Timeout: timeout}
	for _, p := range trusted {
		l.Trusted = append(l.Trusted, netip.MustParsePrefix(p))
	}
	return l
}

// dialSend connects to l, sends b and returns the server's side.
func dialSend(t *testing.T, l net.Listener, b []byte) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
	s, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestListenerTrustedSource(t *testing.T) {
	for _, v := range []struct {
		name   string
		header []byte
	}{{"v1", proxytest.V1(src4, dst4)}, {"v2", proxytest.V2(src6, dst6)}} {
		t.Run(v.name, func(t *testing.T) {
			l := listen(t, 0, "127.0.0.0/8")
			s := dialSend(t, l, append(v.header, "hello"...))
			want := src4
			if v.name == "v2" {
				want = src6
			}
			if got := s.RemoteAddr().(*net.TCPAddr).AddrPort(); got != want {
				t.Errorf("RemoteAddr = %v, want %v", got, want)
			}
			buf := make([]byte, 5)
			if _, err := io.ReadFull(s, buf); err != nil || string(buf) != "hello" {
				t.Errorf("read %q, %v after the header, want hello", buf, err)
			}
		})
	}
}

// TestListenerHealthCheck: a LOCAL command leaves the load balancer's own
// address.
func TestListenerHealthCheck(t *testing.T) {
	l := listen(t, 0, "127.0.0.1/32")
	s := dialSend(t, l, proxytest.V2Local())
	if got := s.RemoteAddr().(*net.TCPAddr).AddrPort().Addr(); got != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("RemoteAddr = %v, want the peer's 127.0.0.1", got)
	}
}

// TestListenerTrustedWithoutHeader: a trusted source must send a header.
func TestListenerTrustedWithoutHeader(t *testing.T) {
	l := listen(t, 0, "127.0.0.1/32")
	s := dialSend(t, l, []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	if _, err := s.Read(make([]byte, 10)); !errors.Is(err, proxyproto.ErrNoHeader) {
		t.Errorf("Read = %v, want ErrNoHeader", err)
	}
	if got := s.RemoteAddr().(*net.TCPAddr).AddrPort().Addr(); got != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("RemoteAddr = %v, want the peer's 127.0.0.1", got)
	}
}

// TestListenerUntrustedSource: a header from anywhere else is not read,
// so it cannot set the address: it reaches the server as data.
func TestListenerUntrustedSource(t *testing.T) {
	l := listen(t, 0, "10.0.0.0/8")
	h := proxytest.V1(src4, dst4)
	s := dialSend(t, l, h)
	if got := s.RemoteAddr().(*net.TCPAddr).AddrPort().Addr(); got != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("RemoteAddr = %v, want the peer's 127.0.0.1", got)
	}
	buf := make([]byte, len(h))
	if _, err := io.ReadFull(s, buf); err != nil || string(buf) != string(h) {
		t.Errorf("read %q, %v, want the header as data", buf, err)
	}
}

// TestListenerSilentSource: a trusted connection that sends nothing gets
// a timeout, and holds up no other connection's Accept.
func TestListenerSilentSource(t *testing.T) {
	l := listen(t, 200*time.Millisecond, "127.0.0.1/32")
	silent := dialSend(t, l, nil)
	other := dialSend(t, l, append(proxytest.V1(src4, dst4), 'x'))
	if _, err := other.Read(make([]byte, 1)); err != nil {
		t.Errorf("the second connection's Read = %v", err)
	}
	var ne net.Error
	if _, err := silent.Read(make([]byte, 1)); !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("Read of a silent trusted connection = %v, want a timeout", err)
	}
}

// TestListenerUnderTLS: with TLS over the Listener, as the HTTP server is
// set up, the header comes before the ClientHello and the TLS
// connection's RemoteAddr is the client's.
func TestListenerUnderTLS(t *testing.T) {
	l := listen(t, 0, "127.0.0.0/8")
	cert := testcert.New(t)
	tl := tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert.TLS}})
	done := make(chan error, 1)
	go func() {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		if _, err := c.Write(proxytest.V2(src4, dst4)); err != nil {
			done <- err
			return
		}
		tc := tls.Client(c, &tls.Config{RootCAs: cert.Pool, ServerName: "127.0.0.1"})
		_, err = tc.Write([]byte("hello"))
		done <- err
	}()
	s, err := tl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.RemoteAddr().(*net.TCPAddr).AddrPort(); got != src4 {
		t.Errorf("RemoteAddr = %v, want %v", got, src4)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(s, buf); err != nil || string(buf) != "hello" {
		t.Errorf("read %q, %v over TLS after the header, want hello", buf, err)
	}
	if err := <-done; err != nil {
		t.Errorf("client: %v", err)
	}
}
