package http

import (
	"net/http"
)

// handleSecurityTxt serves security.txt (RFC 9116, SEC-VDP), its Expires
// field computed from the clock at each request.
func (s *server) handleSecurityTxt() http.Handler {
	return s.document(func() []byte {
		if s.Disclosure == nil {
			return nil
		}
		return s.Disclosure.SecurityTxt()
	}, "text/plain; charset=utf-8", "no security contact is served here")
}

// handleDisclosurePolicy serves the vulnerability disclosure policy that
// security.txt's Policy field points at (SEC-VDP).
func (s *server) handleDisclosurePolicy() http.Handler {
	return s.document(func() []byte {
		if s.Disclosure == nil {
			return nil
		}
		return s.Disclosure.PolicyHTML()
	}, "text/html; charset=utf-8", "no disclosure policy is served here")
}
