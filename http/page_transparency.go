package http

import "net/http"

// transparencyPages registers the transparency pages.
func (s *server) transparencyPages(handle func(pattern string, h http.Handler)) {
}
