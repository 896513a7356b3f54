package http

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/analytics"
	"github.com/hearth-iot/hearth/http/web"
)

// analyticsPages registers the console's analytics page (PET-DP): the
// budgets, and a form that runs a query through the same service call as
// POST /v1/operator/analytics.
func (s *server) analyticsPages(handle func(pattern string, h http.Handler)) {
	handle("GET /operator/analytics", s.page("operator", s.forOperator(s.pageAnalytics())))
	handle("POST /operator/analytics", s.page("operator", s.forOperator(s.pageAnalyticsPost())))
}

// analyticsPage is the content of the analytics page.
type analyticsPage struct {
	operatorView
	budgetsJSON
	Datasets []string // from the budgets, in their order
	Kinds    []analytics.Kind
	Buckets  []string
	Result   *analytics.Result // the query just answered; nil before one
	Rows     []analyticsRow    // its groups, formatted
}

// analyticsRow is one group of a result as the page shows it.
type analyticsRow struct {
	Group, Value, Interval, Households string
	Suppressed                         bool
}

// analyticsRows formats a result's groups.
func analyticsRows(res *analytics.Result) []analyticsRow {
	if res == nil {
		return nil
	}
	rows := make([]analyticsRow, len(res.Groups))
	for i, g := range res.Groups {
		var name []string
		if !g.Bucket.IsZero() {
			name = append(name, g.Bucket.UTC().Format(time.RFC3339))
		}
		if g.Key != "" {
			name = append(name, g.Key)
		}
		if len(name) == 0 {
			name = []string{"all"}
		}
		rows[i] = analyticsRow{Group: strings.Join(name, " · "), Suppressed: g.Suppressed}
		if g.Value != nil {
			rows[i].Value = strconv.FormatFloat(*g.Value, 'g', 4, 64)
			rows[i].Interval = strconv.FormatFloat(*g.Low, 'g', 4, 64) + " to " + strconv.FormatFloat(*g.High, 'g', 4, 64)
			rows[i].Households = strconv.FormatInt(*g.Households, 10)
		}
	}
	return rows
}

// pageAnalytics shows the budgets and the query form.
func (s *server) pageAnalytics() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		return s.renderAnalytics(w, r, p, http.StatusOK, nil)
	}
}

// renderAnalytics renders the page with status, res (nil before a query)
// and the errors already set on p.
func (s *server) renderAnalytics(w http.ResponseWriter, r *http.Request, p *web.Page, status int, res *analytics.Result) error {
	if s.Analytics == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "analytics are not served here")
	}
	b, err := s.analyticsBudgets(r.Context())
	if err != nil {
		return err
	}
	var datasets []string
	for _, d := range b.Budgets {
		datasets = append(datasets, d.Dataset)
	}
	p.Data = analyticsPage{operatorView: operatorView{View: "analytics"}, budgetsJSON: b, Datasets: datasets,
		Kinds: []analytics.Kind{analytics.Count, analytics.Sum, analytics.Mean, analytics.Histogram}, Buckets: analytics.Buckets, Result: res, Rows: analyticsRows(res)}
	return s.render(w, r, status, "operator_analytics", p)
}

// pageAnalyticsPost runs the query of the form and shows its result, or
// the form again with the problem beside its field: 400 for a bad query,
// 422 once the budget cannot cover it (nothing charged).
func (s *server) pageAnalyticsPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if s.Analytics == nil {
			return hearth.Errorf(hearth.ENOTFOUND, "analytics are not served here")
		}
		p.Form = r.PostForm
		q, err := analytics.ParseFields(r.PostForm.Get)
		var res *analytics.Result
		if err == nil {
			res, err = s.Analytics.Query(r.Context(), accountFrom(r.Context()).PersonID, q)
		}
		switch hearth.ErrorCode(err) {
		case "":
			return s.renderAnalytics(w, r, p, http.StatusOK, res)
		case hearth.EINVALID, hearth.EREFUSED:
			p.SetError(hearth.ErrorField(err), sentence(hearth.ErrorMessage(err)))
			return s.renderAnalytics(w, r, p, statusOf(hearth.ErrorCode(err)), nil)
		}
		return err
	}
}
