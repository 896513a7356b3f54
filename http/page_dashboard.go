package http

import "net/http"

// dashboardPages registers the privacy dashboard.
func (s *server) dashboardPages(handle func(pattern string, h http.Handler)) {
}
