package http

import (
	"context"
	"net/http"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/erasure"
)

// erasureRequest is the body of the erasure preview and of
// POST /v1/households/{hh}/people/{person}/erasures: the scope, and for the
// erasure itself confirm true, once the person has read the preview, and
// the caller's password.
type erasureRequest struct {
	Everything bool      `json:"everything"`
	Category   string    `json:"category"`
	DeviceID   string    `json:"device_id"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	Confirm    bool      `json:"confirm"`
	Password   string    `json:"password"` // the caller's password, checked again before an erasure
}

// Valid implements Validator; the service checks the scope.
func (erasureRequest) Valid(context.Context) map[string]string { return nil }

func (r erasureRequest) scope() erasure.Scope {
	return erasure.Scope{Everything: r.Everything, Category: r.Category, DeviceID: r.DeviceID, From: r.From, To: r.To}
}

// scheduleRequest is the body of PUT .../deletion-schedules/{category}.
type scheduleRequest struct {
	Period string `json:"period"`
}

// Valid implements Validator.
func (r scheduleRequest) Valid(context.Context) map[string]string {
	if r.Period == "" {
		return map[string]string{"period": "required: weekly, monthly, yearly or off"}
	}
	return nil
}

// closeRequest is the body of POST /v1/me/close: the password again.
type closeRequest struct {
	Password string `json:"password"`
	Confirm  bool   `json:"confirm"`
}

// Valid implements Validator.
func (r closeRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "password", r.Password)
	if !r.Confirm {
		p["confirm"] = "closing the account erases everything about you and cannot be undone: send true to confirm"
	}
	return p
}

// forErasure runs h when the erasure service is configured (404
// otherwise); the service authorises the caller for {person} in {hh}.
func (s *server) forErasure(h personHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Erasure == nil {
			s.writeError(w, r, hearth.Errorf(hearth.ENOTFOUND, "erasure is not served here"))
			return
		}
		if err := h(w, r, r.PathValue("hh"), r.PathValue("person")); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// handleErasurePreview says plainly what an erasure would do, and changes
// nothing (RIGHT-ERASE).
func (s *server) handleErasurePreview() http.Handler {
	return s.forErasure(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		req, err := decode[erasureRequest](w, r)
		if err != nil {
			return err
		}
		pv, err := s.Erasure.Preview(r.Context(), caller(r), hh, person, req.scope())
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, pv)
		return nil
	})
}

// handleErase erases once confirmed; recipients are told in the background.
func (s *server) handleErase() http.Handler {
	return s.forErasure(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		req, err := decode[erasureRequest](w, r)
		if err != nil {
			return err
		}
		if !req.Confirm {
			// Authorise first, so the problem reveals nothing to others.
			if _, err := s.Erasure.Preview(r.Context(), caller(r), hh, person, req.scope()); err != nil {
				return err
			}
			return hearth.FieldError("confirm", "read the preview (POST .../erasure/preview) first, then send true to confirm")
		}
		res, err := s.Erasure.Erase(r.Context(), caller(r), hh, person, req.scope(), req.Password)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, res)
		return nil
	})
}

// handleErasureNotices lists the notices sent to recipients about the
// person's erasures, with their delivery state.
func (s *server) handleErasureNotices() http.Handler {
	return s.forErasure(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		ns, err := s.Erasure.Notices(r.Context(), caller(r), hh, person)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]any{"notices": ns})
		return nil
	})
}

type scheduleJSON struct {
	Category string                `json:"category"`
	Period   hearth.DeletionPeriod `json:"period"`
	Updated  time.Time             `json:"updated"`
}

// handleDeletionSchedules lists the person's periodic deletions.
func (s *server) handleDeletionSchedules() http.Handler {
	return s.forErasure(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		ds, err := s.Erasure.Schedules(r.Context(), caller(r), hh, person)
		if err != nil {
			return err
		}
		out := make([]scheduleJSON, 0, len(ds))
		for _, d := range ds {
			out = append(out, scheduleJSON{Category: d.Category, Period: d.Period, Updated: d.Updated})
		}
		encode(w, http.StatusOK, map[string]any{"schedules": out})
		return nil
	})
}

// handlePutDeletionSchedule sets or ends ("off") the periodic deletion of
// {category} (RETENTION).
func (s *server) handlePutDeletionSchedule() http.Handler {
	return s.forErasure(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		req, err := decode[scheduleRequest](w, r)
		if err != nil {
			return err
		}
		if err := s.Erasure.SetSchedule(r.Context(), caller(r), hh, person, r.PathValue("category"), req.Period); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// handleCloseAccount closes the caller's account after checking their
// password: everything about them is erased and every session ends.
func (s *server) handleCloseAccount() http.Handler {
	return s.forErasure(func(w http.ResponseWriter, r *http.Request, _, _ string) error {
		req, err := decode[closeRequest](w, r)
		if err != nil {
			return err
		}
		res, err := s.Erasure.CloseAccount(r.Context(), accountFrom(r.Context()), req.Password)
		if err != nil {
			return err
		}
		s.clearSessionCookie(w, r)
		encode(w, http.StatusOK, res)
		return nil
	})
}
