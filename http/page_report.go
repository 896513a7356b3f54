package http

import (
	"net/http"

	"github.com/hearth-iot/hearth/compliance"
	"github.com/hearth-iot/hearth/http/web"
)

// reportPages registers the console's compliance report page.
func (s *server) reportPages(handle func(pattern string, h http.Handler)) {
	handle("GET /operator/report", s.page("operator", s.forOperator(s.pageReport())))
}

// reportPage is the content of the console's report page.
type reportPage struct {
	operatorView
	Report   compliance.Report
	Statuses []string
}

// pageReport shows every requirement's status on this instance, why, and
// the tests that show it.
func (s *server) pageReport() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		rep, err := s.report(r)
		if err != nil {
			return err
		}
		p.Data = reportPage{operatorView: operatorView{View: "report"}, Report: rep, Statuses: compliance.Statuses}
		return s.render(w, r, http.StatusOK, "operator_report", p)
	}
}
