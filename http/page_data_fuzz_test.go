package http

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// checkFormError fails unless err is nil or an EINVALID naming a field.
func checkFormError(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil && (hearth.ErrorCode(err) != hearth.EINVALID || hearth.ErrorField(err) == "") {
		t.Fatalf("%s: %v (code %s), want EINVALID with its field", what, err, hearth.ErrorCode(err))
	}
}

// FuzzDataForms parses the data page's forms from any query string: the
// correction of a reading's values gives a JSON object of exactly the
// fields sent, with each value of the kind the form says, or an error
// beside a field; the time ranges of the readings and of an erasure give
// a range whose start is before its end, or an error beside a field. None
// panics.
func FuzzDataForms(f *testing.F) {
	f.Add("v.celsius=20.5&k.celsius=number&password=x")
	f.Add("v.occupied=yes&k.occupied=boolean&v.source=app&k.source=string")
	f.Add("v.celsius=warm&k.celsius=number")
	f.Add("from=2026-01-01&to=2025-12-31&erase_from=2026-02-30&erase_to=x")
	f.Add("v.=1&k.=number&v.a=1e999&k.a=number")
	f.Fuzz(func(t *testing.T, query string) {
		form, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		raw, err := correctedValues(form)
		checkFormError(t, "correctedValues", err)
		if err == nil {
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("correctedValues(%q) = %s: not a JSON object: %v", query, raw, err)
			}
			for k, v := range m {
				if _, ok := form["v."+k]; !ok {
					t.Fatalf("correctedValues(%q) holds %q, never sent", query, k)
				}
				switch form.Get("k." + k) {
				case "number":
					if _, ok := v.(float64); !ok {
						t.Fatalf("%q: %v is not a number", k, v)
					}
				case "boolean":
					if _, ok := v.(bool); !ok {
						t.Fatalf("%q: %v is not yes or no", k, v)
					}
				}
			}
		}
		from, to, err := dateRange(form, time.Now())
		checkFormError(t, "dateRange", err)
		if err == nil && !from.Before(to) {
			t.Fatalf("dateRange(%q) = %v, %v: empty", query, from, to)
		}
		sc, err := eraseScope(form)
		checkFormError(t, "eraseScope", err)
		if err == nil && !sc.From.IsZero() && !sc.To.IsZero() && !sc.From.Before(sc.To) {
			t.Fatalf("eraseScope(%q) = %v: empty range", query, sc)
		}
	})
}
