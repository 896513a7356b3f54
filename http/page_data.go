package http

import "net/http"

// dataPages registers the data pages.
func (s *server) dataPages(handle func(pattern string, h http.Handler)) {
}
