package http

import (
	"context"
	"net/http"

	"github.com/hearth-iot/hearth/analytics"
)

// analyticsRoutes registers the operators' differentially private
// analytics (PET-DP): a query, charged to its dataset's privacy budget,
// and the budgets.
func (s *server) analyticsRoutes(handle func(pattern string, h http.Handler)) {
	handle("POST /v1/operator/analytics", s.operator(s.needAnalytics(s.handleAnalyticsQuery)))
	handle("GET /v1/operator/analytics/budget", s.operator(s.needAnalytics(s.handleAnalyticsBudget)))
}

// analyticsRequest is the body of POST /v1/operator/analytics: an
// analytics.Query. The service checks it, naming the field of a problem.
type analyticsRequest struct {
	analytics.Query
}

// Valid implements Validator: the analytics service checks the query.
func (analyticsRequest) Valid(context.Context) map[string]string { return nil }

// budgetsJSON is the answer of GET /v1/operator/analytics/budget.
type budgetsJSON struct {
	Purpose  string             `json:"purpose"`   // the analytics purpose
	MinGroup int                `json:"min_group"` // the smallest group published
	Budgets  []analytics.Budget `json:"budgets"`
}

// needAnalytics answers 404 when the server has no analytics service, and
// writes h's error.
func (s *server) needAnalytics(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Analytics == nil {
			http.NotFound(w, r)
			return
		}
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// handleAnalyticsQuery answers POST /v1/operator/analytics: the query's
// result (200), 400 for a bad query and 422 once the dataset's budget
// cannot cover it (nothing charged).
func (s *server) handleAnalyticsQuery(w http.ResponseWriter, r *http.Request) error {
	q, err := decode[analyticsRequest](w, r)
	if err != nil {
		return err
	}
	res, err := s.Analytics.Query(r.Context(), accountFrom(r.Context()).PersonID, q.Query)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, res)
	return nil
}

// handleAnalyticsBudget answers GET /v1/operator/analytics/budget: every
// dataset's budget and what is spent.
func (s *server) handleAnalyticsBudget(w http.ResponseWriter, r *http.Request) error {
	d, err := s.analyticsBudgets(r.Context())
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, d)
	return nil
}

// analyticsBudgets returns the budgets with the purpose they serve.
func (s *server) analyticsBudgets(ctx context.Context) (budgetsJSON, error) {
	bs, err := s.Analytics.Budgets(ctx)
	if err != nil {
		return budgetsJSON{}, err
	}
	p, _ := s.Analytics.Purpose()
	return budgetsJSON{Purpose: p.ID, MinGroup: p.Statistics.Groups(), Budgets: bs}, nil
}
