package http

// Patterns returns the mux patterns of the API's routes and of the web
// pages, as a server registers them (the OpenAPI tests compare the first
// with the document).
func Patterns() (api, pages []string) {
	s, _ := newServer(Config{})
	return s.apiPatterns, s.pagePatterns
}
