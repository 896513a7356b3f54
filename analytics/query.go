package analytics

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
)

// Kind is what a query computes in each group.
type Kind string

// The kinds of query.
const (
	// Count counts readings, or people or devices.
	Count Kind = "count"
	// Sum adds up a numeric field of the readings.
	Sum Kind = "sum"
	// Mean averages a numeric field of the readings.
	Mean Kind = "mean"
	// Histogram counts readings per bin of a field: Bins for a number,
	// true and false for a boolean.
	Histogram Kind = "histogram"
)

// The datasets that are not a category.
const (
	// People counts the people who consented, per household role.
	People = "people"
	// Devices counts the devices of households whose members all
	// consented, per device model.
	Devices = "devices"
)

// The noises a query may ask for.
const (
	Laplace  = "laplace"  // pure ε-differential privacy; the default
	Gaussian = "gaussian" // (ε, δ)-differential privacy; needs a δ budget
)

// Limits of a query.
const (
	// MaxGroups is the most groups (time buckets times bins, roles or
	// models) one query may have.
	MaxGroups = 1000
	// MaxContributions is the most readings one household may contribute
	// to one group.
	MaxContributions = 1000
	// DefaultCountContributions is how many people (or devices) one
	// household contributes to a group of the people and devices counts
	// unless the query says otherwise; readings contribute 1.
	DefaultCountContributions = 4
)

// Buckets are the time buckets a query may group readings by; "" puts the
// whole range in one bucket. Buckets are in UTC; weeks start on Monday,
// months on the first.
var Buckets = []string{"", "hour", "day", "week", "month"}

// Query is an operator's question: one statistic of one dataset, grouped
// by time bucket (and histogram bin, role or model), with differential
// privacy.
type Query struct {
	// Dataset is a category of the analytics purpose, People or Devices.
	Dataset string `json:"dataset"`
	Kind    Kind   `json:"kind"`
	// Field is the value field summed, averaged or binned; not for Count.
	Field string `json:"field,omitempty"`
	// Lower and Upper bound each value for Sum and Mean: a value beyond
	// them counts as the bound (clamping).
	Lower float64 `json:"lower,omitempty"`
	Upper float64 `json:"upper,omitempty"`
	// Bins are a histogram's bin edges for a number field, ascending: bin
	// i holds values in [Bins[i], Bins[i+1]); values outside are not
	// counted. A boolean field has the bins false and true.
	Bins []float64 `json:"bins,omitempty"`
	// Bucket is one of Buckets.
	Bucket string `json:"bucket,omitempty"`
	// From and To bound the readings' times, [From, To); required for a
	// category.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Epsilon is the ε this query spends from the dataset's budget.
	Epsilon float64 `json:"epsilon"`
	// Delta is the δ it spends; 0 with Laplace noise.
	Delta float64 `json:"delta,omitempty"`
	// Noise is Laplace (the default) or Gaussian.
	Noise string `json:"noise,omitempty"`
	// MaxGroups bounds how many groups one household contributes to;
	// default all of them. Fewer means less noise, and a household's data
	// in other groups left out.
	MaxGroups int64 `json:"max_groups,omitempty"`
	// MaxContributions bounds how many readings (people, devices) one
	// household contributes to one group; default 1 for readings,
	// DefaultCountContributions for people and devices.
	MaxContributions int64 `json:"max_contributions,omitempty"`
}

// problem is an EINVALID error about one field of a query.
func problem(field, format string, args ...any) error {
	return &hearth.Error{Code: hearth.EINVALID, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// normalize checks q against the manifest's analytics purpose and fills in
// its defaults. It returns an EINVALID *hearth.Error naming the first
// field with a problem, and the field's type for a category.
func (q *Query) normalize(m *manifest.Manifest, p *manifest.Purpose) (fieldType string, err error) {
	if q.Noise == "" {
		q.Noise = Laplace
	}
	if err := q.checkPrivacy(); err != nil {
		return "", err
	}
	switch {
	case q.Dataset == People || q.Dataset == Devices:
		err = q.checkCount()
	case slices.Contains(p.Categories, q.Dataset):
		fieldType, err = q.checkReadings(m)
	default:
		return "", problem("dataset", "%q is not a dataset: use people, devices or a category of the purpose %s (%s)",
			q.Dataset, p.ID, strings.Join(p.Categories, ", "))
	}
	if err != nil {
		return "", err
	}
	groups := q.groupCount(m)
	if groups > MaxGroups {
		return "", problem("bucket", "the query has %d groups (time buckets times bins); at most %d", groups, MaxGroups)
	}
	if q.MaxGroups <= 0 || q.MaxGroups > int64(groups) {
		q.MaxGroups = int64(groups)
	}
	return fieldType, nil
}

// checkPrivacy checks the privacy parameters: ε, δ and the noise.
func (q *Query) checkPrivacy() error {
	switch {
	case math.IsNaN(q.Epsilon) || math.IsInf(q.Epsilon, 0) || q.Epsilon <= 0:
		return problem("epsilon", "must be a number greater than 0: the ε this query spends")
	case q.Noise != Laplace && q.Noise != Gaussian:
		return problem("noise", "must be laplace or gaussian")
	case q.Noise == Laplace && q.Delta != 0:
		return problem("delta", "must be 0 with Laplace noise; Gaussian noise spends a δ")
	case q.Noise == Gaussian && (math.IsNaN(q.Delta) || q.Delta <= 0 || q.Delta >= 1):
		return problem("delta", "must be greater than 0 and less than 1 with Gaussian noise")
	case q.MaxContributions < 0 || q.MaxContributions > MaxContributions:
		return problem("max_contributions", "must be 1 to %d", MaxContributions)
	case q.MaxGroups < 0:
		return problem("max_groups", "must be 1 or more")
	}
	return nil
}

// checkCount checks a query of the people or devices count.
func (q *Query) checkCount() error {
	switch {
	case q.Kind != Count:
		return problem("kind", "the %s dataset answers count only", q.Dataset)
	case q.Field != "" || len(q.Bins) > 0 || q.Lower != 0 || q.Upper != 0:
		return problem("field", "a count of %s takes no field, bins or bounds", q.Dataset)
	case q.Bucket != "" || !q.From.IsZero() || !q.To.IsZero():
		return problem("bucket", "the %s dataset counts who is in now: it takes no bucket or time range", q.Dataset)
	}
	if q.MaxContributions == 0 {
		q.MaxContributions = DefaultCountContributions
	}
	return nil
}

// checkReadings checks a query of a category's readings.
func (q *Query) checkReadings(m *manifest.Manifest) (string, error) {
	if q.From.IsZero() || q.To.IsZero() || !q.From.Before(q.To) {
		return "", problem("from", "give from and to, from before to: the time range of the readings")
	}
	if !slices.Contains(Buckets, q.Bucket) {
		return "", problem("bucket", "must be hour, day, week, month or empty (the whole range)")
	}
	if q.MaxContributions == 0 {
		q.MaxContributions = 1
	}
	switch q.Kind {
	case Count:
		if q.Field != "" || len(q.Bins) > 0 {
			return "", problem("field", "a count takes no field or bins")
		}
		return "", nil
	case Sum, Mean, Histogram:
	default:
		return "", problem("kind", "must be count, sum, mean or histogram")
	}
	typ, err := fieldType(m, q.Dataset, q.Field)
	if err != nil {
		return "", err
	}
	if q.Kind == Histogram {
		return typ, q.checkBins(typ)
	}
	if typ != "number" && typ != "integer" {
		return "", problem("field", "%s is a %s: a %s needs a number or integer field", q.Field, typ, q.Kind)
	}
	if math.IsNaN(q.Lower) || math.IsNaN(q.Upper) || math.IsInf(q.Lower, 0) || math.IsInf(q.Upper, 0) || q.Lower >= q.Upper {
		return "", problem("lower", "give lower and upper bounds, lower below upper: each value is clamped to them")
	}
	return typ, nil
}

// checkBins checks a histogram's bins for a field of type typ.
func (q *Query) checkBins(typ string) error {
	switch typ {
	case "boolean":
		if len(q.Bins) > 0 {
			return problem("bins", "a boolean field has the bins false and true: give none")
		}
		return nil
	case "number", "integer":
	default:
		return problem("field", "%s is a %s: a histogram needs a number, integer or boolean field", q.Field, typ)
	}
	if len(q.Bins) < 2 {
		return problem("bins", "give at least two bin edges, ascending")
	}
	for i, b := range q.Bins {
		if math.IsNaN(b) || math.IsInf(b, 0) || i > 0 && b <= q.Bins[i-1] {
			return problem("bins", "the bin edges must be finite numbers in ascending order")
		}
	}
	return nil
}

// fieldType returns the declared type of a category's value field.
func fieldType(m *manifest.Manifest, category, field string) (string, error) {
	c, ok := m.Category(category)
	if !ok {
		return "", problem("dataset", "%q is not a declared category", category)
	}
	var names []string
	for _, f := range c.Values {
		if f.Field == field {
			return f.Type, nil
		}
		names = append(names, f.Field)
	}
	return "", problem("field", "%q is not a value of %s: use one of %s", field, category, strings.Join(names, ", "))
}

// bucketStarts returns the start of each time bucket of [From, To), at
// most MaxGroups+1 of them.
func (q *Query) bucketStarts() []time.Time {
	if q.Bucket == "" {
		return []time.Time{q.From}
	}
	var out []time.Time
	for t := bucketOf(q.Bucket, q.From); t.Before(q.To) && len(out) <= MaxGroups; t = nextBucket(q.Bucket, t) {
		out = append(out, t)
	}
	return out
}

// bucketOf returns the start of the bucket holding t, in UTC.
func bucketOf(bucket string, t time.Time) time.Time {
	t = t.UTC()
	switch bucket {
	case "hour":
		return t.Truncate(time.Hour)
	case "day":
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	case "week":
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	case "month":
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return t
}

// nextBucket returns the start of the bucket after the one starting at t.
func nextBucket(bucket string, t time.Time) time.Time {
	switch bucket {
	case "hour":
		return t.Add(time.Hour)
	case "day":
		return t.AddDate(0, 0, 1)
	case "week":
		return t.AddDate(0, 0, 7)
	}
	return t.AddDate(0, 1, 0)
}

// String describes the query in one line for the budget's record, such
// as "mean celsius of room-temperature by day, 2026-11-01 to 2026-12-01".
func (q *Query) String() string {
	var b strings.Builder
	b.WriteString(string(q.Kind))
	if q.Field != "" {
		b.WriteString(" " + q.Field)
	}
	b.WriteString(" of " + q.Dataset)
	if q.Bucket != "" {
		b.WriteString(" by " + q.Bucket)
	}
	if !q.From.IsZero() {
		fmt.Fprintf(&b, ", %s to %s", q.From.UTC().Format(time.RFC3339), q.To.UTC().Format(time.RFC3339))
	}
	return b.String()
}
