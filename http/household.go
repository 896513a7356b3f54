package http

import (
	"context"
	"net/http"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/household"
)

// householdRequest is the body of POST /v1/households.
type householdRequest struct {
	Name string `json:"name"`
}

// Valid implements Validator.
func (r householdRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "name", r.Name)
	return p
}

// inviteRequest is the body of POST /v1/households/{hh}/invites.
type inviteRequest struct {
	Role hearth.Role `json:"role"`
}

// Valid implements Validator.
func (r inviteRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "role", string(r.Role))
	return p
}

// acceptRequest is the body of POST /v1/invites/accept.
type acceptRequest struct {
	Token string `json:"token"`
}

// Valid implements Validator.
func (r acceptRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "token", r.Token)
	return p
}

// personRequest is the body of POST /v1/households/{hh}/people.
type personRequest struct {
	DisplayName string      `json:"display_name"`
	Role        hearth.Role `json:"role"`
	GuardianID  string      `json:"guardian_id"`
}

// Valid implements Validator.
func (r personRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "display_name", r.DisplayName)
	required(p, "role", string(r.Role))
	return p
}

type householdJSON struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

func householdView(h *hearth.Household) householdJSON {
	return householdJSON{ID: h.ID, Name: h.Name, Created: h.Created}
}

type personJSON struct {
	ID          string      `json:"id"`
	DisplayName string      `json:"display_name"`
	Role        hearth.Role `json:"role"`
	Controls    string      `json:"controls"`
	GuardianID  string      `json:"guardian_id,omitempty"`
}

// caller returns the signed-in person's ID.
func caller(r *http.Request) string { return accountFrom(r.Context()).PersonID }

func (s *server) handleCreateHousehold() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[householdRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h, err := s.Households.CreateHousehold(r.Context(), caller(r), req.Name)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusCreated, householdView(h))
	})
}

func (s *server) handleHouseholds() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hs, err := s.Households.Households(r.Context(), caller(r))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out := make([]householdJSON, 0, len(hs))
		for i := range hs {
			out = append(out, householdView(&hs[i]))
		}
		encode(w, http.StatusOK, map[string]any{"households": out})
	})
}

func (s *server) handleHousehold() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, err := s.Households.Household(r.Context(), caller(r), r.PathValue("hh"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, householdView(h))
	})
}

func (s *server) handleMembers() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ms, err := s.Households.Members(r.Context(), caller(r), r.PathValue("hh"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if ms == nil {
			ms = []household.MemberView{}
		}
		encode(w, http.StatusOK, map[string]any{"members": ms})
	})
}

type inviteJSON struct {
	Token   string      `json:"token"`
	Role    hearth.Role `json:"role"`
	Expires time.Time   `json:"expires"`
}

func (s *server) handleInvite() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[inviteRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		token, inv, err := s.Households.Invite(r.Context(), caller(r), r.PathValue("hh"), req.Role)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusCreated, inviteJSON{Token: token, Role: inv.Role, Expires: inv.Expires})
	})
}

func (s *server) handleAcceptInvite() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[acceptRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		m, err := s.Households.Join(r.Context(), caller(r), req.Token)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"household_id": m.HouseholdID, "role": m.Role})
	})
}

func (s *server) handleAddPerson() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[personRequest](w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		p, err := s.Households.AddPerson(r.Context(), caller(r), r.PathValue("hh"), req.DisplayName, req.Role, req.GuardianID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusCreated, personJSON{ID: p.ID, DisplayName: p.DisplayName, Role: req.Role,
			Controls: hearth.RoleControls(req.Role), GuardianID: req.GuardianID})
	})
}
