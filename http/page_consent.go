package http

import "net/http"

// consentPages registers the consent pages.
func (s *server) consentPages(handle func(pattern string, h http.Handler)) {
}
