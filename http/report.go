package http

import (
	"net/http"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/compliance"
)

// reportRoutes registers the operator API's compliance report (RECORDS):
// every requirement's status on this instance and its evidence.
func (s *server) reportRoutes(handle func(pattern string, h http.Handler)) {
	handle("GET /v1/operator/report", s.operator(s.handleOperatorReport()))
}

// report builds the compliance report now; without Config.Report the
// routes answer 404.
func (s *server) report(r *http.Request) (compliance.Report, error) {
	if s.Report == nil {
		return compliance.Report{}, &hearth.Error{Code: hearth.ENOTFOUND, Message: "This server has no compliance report"}
	}
	return s.Report(r.Context())
}

// handleOperatorReport answers GET /v1/operator/report: the report as
// JSON, built (and the chains verified) for this request.
func (s *server) handleOperatorReport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep, err := s.report(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, rep)
	})
}
