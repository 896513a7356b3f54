package http

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/household"
)

// readingsJSON is a page of readings. NextCursor is "" on the last page;
// otherwise pass it back as ?cursor= for the next.
// Withheld counts, by policy reason code, the readings of the page the
// purpose may not use.
type readingsJSON struct {
	Purpose    string                  `json:"purpose"`
	Readings   []household.ReadingView `json:"readings"`
	Withheld   map[string]int          `json:"withheld"`
	NextCursor string                  `json:"next_cursor"`
}

// handleReadings lists a household's readings that may be read for a
// purpose. Query parameters: purpose (required: a purpose declared in the
// manifest; each reading is decided by policy for its subject), from, to
// (RFC 3339 times; readings with from <= time < to), category, person (a
// person ID, or "-" for the household's own readings), device, cursor and
// limit (1 to household.MaxReadingLimit, default household.DefaultReadingLimit).
func (s *server) handleReadings() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := readingFilter(r.URL.Query())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		f.HouseholdID = r.PathValue("hh")
		purpose := r.URL.Query().Get("purpose")
		page, err := s.Households.Readings(r.Context(), caller(r), purpose, f)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		for _, rd := range page.Readings {
			auditSubjects(r, rd.PersonID)
		}
		if f.PersonID != "-" {
			auditSubjects(r, f.PersonID) // the person asked for, even with no readings
		}
		out := readingsJSON{Purpose: purpose, Readings: page.Readings, Withheld: page.Withheld}
		if page.Next != 0 {
			out.NextCursor = strconv.FormatInt(page.Next, 10)
		}
		encode(w, http.StatusOK, out)
	})
}

// readingFilter parses the reading list's query parameters, with a precise
// EINVALID naming the parameter at fault.
func readingFilter(q url.Values) (hearth.ReadingFilter, error) {
	f := hearth.ReadingFilter{Category: q.Get("category"), PersonID: q.Get("person"), DeviceID: q.Get("device")}
	var err error
	if f.From, err = queryTime(q, "from"); err != nil {
		return f, err
	}
	if f.To, err = queryTime(q, "to"); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, hearth.FieldError("to", "must be later than from")
	}
	if v := q.Get("cursor"); v != "" {
		if f.After, err = strconv.ParseInt(v, 10, 64); err != nil || f.After < 0 {
			return f, hearth.FieldError("cursor", "not a cursor from an earlier page's next_cursor")
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > household.MaxReadingLimit {
			return f, hearth.FieldError("limit", "must be a whole number from 1 to %d", household.MaxReadingLimit)
		}
		f.Limit = n
	}
	return f, nil
}

func queryTime(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, hearth.FieldError(name, "must be an RFC 3339 time with an offset, such as 2025-06-01T12:00:00Z")
	}
	return t, nil
}
