package http

import (
	"net/http"

	"github.com/hearth-iot/hearth/household"
)

// handleReaders answers GET /v1/households/{hh}/people/{person}/readers:
// the members who may read the person's data and which categories, as
// policy decides every read (household.Service.Readers). It says who may
// read; who did is in the audit log (GET .../accesses).
func (s *server) handleReaders() http.Handler {
	return s.forPerson(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		rs, err := s.Households.Readers(r.Context(), caller(r), hh, person)
		if err != nil {
			return err
		}
		if rs == nil {
			rs = []household.Reader{}
		}
		encode(w, http.StatusOK, map[string]any{"person": person, "readers": rs})
		return nil
	})
}
