package http

import "net/http"

// operatorPages registers the operator pages.
func (s *server) operatorPages(handle func(pattern string, h http.Handler)) {
}
