package http

// Patterns returns the mux patterns of the API's routes and of the web
// pages, as a server registers them (the OpenAPI tests compare the first
// with the document).
func Patterns() (api, pages []string) {
	s, _ := newServer(Config{})
	return s.apiPatterns, s.pagePatterns
}

// ClientScopes returns the functional OAuth scope each signed-in route
// needs of a third-party client ("" for a route no client may call), as
// clientRoutes has it.
func ClientScopes() map[string]string {
	m := map[string]string{}
	for p, r := range clientRoutes {
		m[p] = r.scope
	}
	return m
}
