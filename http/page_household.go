package http

import "net/http"

// householdPages registers the household pages.
func (s *server) householdPages(handle func(pattern string, h http.Handler)) {
}
