package http

import (
	"net/http"

	"github.com/hearth-iot/hearth/http/openapi"
)

// handleOpenAPI serves the OpenAPI 3.1 document of the API (GET
// /api/openapi.json), merged from the fragments of package http/openapi.
func (s *server) handleOpenAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc, err := openapi.Document()
		if err != nil {
			s.writeError(w, r, err) // a broken fragment is a build defect, caught by the tests
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
	})
}
