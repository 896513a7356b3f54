package http

import "net/http"

// devicePages registers the device pages.
func (s *server) devicePages(handle func(pattern string, h http.Handler)) {
}
