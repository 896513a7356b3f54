package http

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/notify"
)

// notificationJSON is a notification as the API shows it.
type notificationJSON struct {
	ID          string                  `json:"id"`
	Kind        hearth.NotificationKind `json:"kind"`
	Title       string                  `json:"title"`
	Body        string                  `json:"body"`
	HouseholdID string                  `json:"household_id,omitempty"`
	Created     time.Time               `json:"created"`
	Read        time.Time               `json:"read,omitzero"`
}

// notificationPage is a page of notifications; next is the cursor of the
// following page, absent on the last.
type notificationPage struct {
	Items []notificationJSON `json:"items"`
	Next  string             `json:"next,omitempty"`
}

func pageView(p notify.Page) notificationPage {
	out := notificationPage{Items: make([]notificationJSON, 0, len(p.Items)), Next: p.Next}
	for _, n := range p.Items {
		out.Items = append(out.Items, notificationJSON{ID: n.ID, Kind: n.Kind, Title: n.Title, Body: n.Body,
			HouseholdID: n.HouseholdID, Created: n.Created, Read: n.Read})
	}
	return out
}

// pageQuery reads the cursor and limit query parameters.
func pageQuery(r *http.Request) (cursor string, limit int, err error) {
	q := r.URL.Query()
	if l := q.Get("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil {
			return "", 0, hearth.FieldError("limit", "must be a whole number")
		}
	}
	return q.Get("cursor"), limit, nil
}

// termsRequest is the body of POST /v1/me/terms.
type termsRequest struct {
	Version string `json:"version"`
}

// Valid implements Validator.
func (r termsRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "version", r.Version)
	return p
}

// noNotify answers 404 when the server runs without the notification service.
func (s *server) noNotify(w http.ResponseWriter, r *http.Request) bool {
	if s.Notify == nil {
		s.writeError(w, r, hearth.Errorf(hearth.ENOTFOUND, "notifications and terms are not served here"))
		return true
	}
	return false
}

func (s *server) handleNotifications() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.noNotify(w, r) {
			return
		}
		cursor, limit, err := pageQuery(r)
		if err == nil {
			var p notify.Page
			if p, err = s.Notify.List(r.Context(), caller(r), cursor, limit); err == nil {
				encode(w, http.StatusOK, pageView(p))
				return
			}
		}
		s.writeError(w, r, err)
	})
}

func (s *server) handlePersonNotifications() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.noNotify(w, r) {
			return
		}
		cursor, limit, err := pageQuery(r)
		if err == nil {
			var p notify.Page
			p, err = s.Notify.ListFor(r.Context(), caller(r), r.PathValue("hh"), r.PathValue("person"), cursor, limit)
			if err == nil {
				encode(w, http.StatusOK, pageView(p))
				return
			}
		}
		s.writeError(w, r, err)
	})
}

func (s *server) handleMarkRead() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.noNotify(w, r) {
			return
		}
		if err := s.Notify.MarkRead(r.Context(), caller(r), r.PathValue("id")); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func (s *server) handleTerms() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.noNotify(w, r) {
			return
		}
		t, err := s.Notify.Terms()
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, t)
	})
}

func (s *server) handleMyTerms() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.noNotify(w, r) {
			return
		}
		st, err := s.Notify.TermsStatus(r.Context(), caller(r))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, st)
	})
}

func (s *server) handleAcceptTerms() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.noNotify(w, r) {
			return
		}
		req, err := decode[termsRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		st, err := s.Notify.AcceptTerms(r.Context(), caller(r), req.Version)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, st)
	})
}
