package analytics

import (
	"strconv"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
)

// ParseFields reads a query from named text fields, as a form or command
// line gives them: get returns the text of a field by the query's JSON
// name ("dataset", "max_groups", ...), "" when absent. Numbers are decimal,
// bins are numbers separated by spaces or commas, from and to are a date
// (YYYY-MM-DD, midnight UTC) or an RFC 3339 time. It returns EINVALID
// naming the first field that is not a number or a time; Service.Query
// checks the rest.
func ParseFields(get func(name string) string) (Query, error) {
	q := Query{Dataset: strings.TrimSpace(get("dataset")), Kind: Kind(strings.TrimSpace(get("kind"))),
		Field: strings.TrimSpace(get("field")), Bucket: strings.TrimSpace(get("bucket")), Noise: strings.TrimSpace(get("noise"))}
	for _, n := range []struct {
		name string
		to   *float64
	}{{"epsilon", &q.Epsilon}, {"delta", &q.Delta}, {"lower", &q.Lower}, {"upper", &q.Upper}} {
		if v := strings.TrimSpace(get(n.name)); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return q, hearth.FieldError(n.name, "give a number, such as 0.5")
			}
			*n.to = x
		}
	}
	for _, n := range []struct {
		name string
		to   *int64
	}{{"max_groups", &q.MaxGroups}, {"max_contributions", &q.MaxContributions}} {
		if v := strings.TrimSpace(get(n.name)); v != "" {
			x, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return q, hearth.FieldError(n.name, "give a whole number, or leave it empty for the default")
			}
			*n.to = x
		}
	}
	for _, b := range strings.Fields(strings.ReplaceAll(get("bins"), ",", " ")) {
		x, err := strconv.ParseFloat(b, 64)
		if err != nil {
			return q, hearth.FieldError("bins", "give the bin edges as numbers separated by spaces, such as 10 15 20 25")
		}
		q.Bins = append(q.Bins, x)
	}
	for _, d := range []struct {
		name string
		to   *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if v := strings.TrimSpace(get(d.name)); v != "" {
			t, err := parseTime(v)
			if err != nil {
				return q, hearth.FieldError(d.name, "give a date as YYYY-MM-DD, or a time as 2026-11-01T00:00:00Z")
			}
			*d.to = t
		}
	}
	return q, nil
}

// parseTime reads a date (midnight UTC) or an RFC 3339 time.
func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, v)
}
