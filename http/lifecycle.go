package http

import (
	"context"
	"net/http"

	"github.com/hearth-iot/hearth"
)

// passwordRequest is the body of POST /v1/me/password.
type passwordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// Valid implements Validator.
func (r passwordRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "current_password", r.CurrentPassword)
	required(p, "new_password", r.NewPassword)
	return p
}

// roleRequest is the body of PATCH /v1/households/{hh}/members/{person}.
type roleRequest struct {
	Role       hearth.Role `json:"role"`
	GuardianID string      `json:"guardian_id"`
}

// Valid implements Validator.
func (r roleRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "role", string(r.Role))
	return p
}

// handleChangePassword changes the password; every other session of the
// account ends, this one stays.
func (s *server) handleChangePassword() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[passwordRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		token, _ := sessionToken(r)
		if err := s.Auth.ChangePassword(r.Context(), token, req.CurrentPassword, req.NewPassword); err != nil {
			if hearth.ErrorField(err) == "password" {
				err = renameField(err, "new_password")
			}
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// renameField returns err's *hearth.Error with the request's name for its
// field.
func renameField(err error, field string) error {
	return &hearth.Error{Code: hearth.ErrorCode(err), Field: field, Message: hearth.ErrorMessage(err), Err: err}
}

// handleSignOutEverywhere ends every session of the account, this one too.
func (s *server) handleSignOutEverywhere() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, _ := sessionToken(r)
		if _, err := s.Auth.SignOutEverywhere(r.Context(), token); err != nil {
			s.writeError(w, r, err)
			return
		}
		s.clearSessionCookie(w, r)
		w.WriteHeader(http.StatusNoContent)
	})
}

// handleRemoveMember removes a member (owner), or the caller themselves
// (leaving).
func (s *server) handleRemoveMember() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.Households.RemoveMember(r.Context(), caller(r), r.PathValue("hh"), r.PathValue("person")); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// roleJSON is a membership after a role change.
type roleJSON struct {
	PersonID   string      `json:"person_id"`
	Role       hearth.Role `json:"role"`
	Controls   string      `json:"controls"`
	GuardianID string      `json:"guardian_id,omitempty"`
}

// handleSetRole changes a member's role (owner).
func (s *server) handleSetRole() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[roleRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		m, err := s.Households.SetRole(r.Context(), caller(r), r.PathValue("hh"), r.PathValue("person"), req.Role, req.GuardianID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, roleJSON{PersonID: m.PersonID, Role: m.Role, Controls: hearth.RoleControls(m.Role), GuardianID: m.GuardianID})
	})
}

// handleRemoveDevice takes a device out of the household (owner).
func (s *server) handleRemoveDevice() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.Households.RemoveDevice(r.Context(), caller(r), r.PathValue("hh"), r.PathValue("id")); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
