package http

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/rights"
)

// The actions of POST /v1/households/{hh}/readings/{id}/rectification.
const (
	actionReattribute = "reattribute"
	actionDispute     = "dispute"
	actionUndispute   = "undispute"
	actionCorrect     = "correct"
)

// displayNameJSON is the body of PUT {p}/display-name.
type displayNameJSON struct {
	DisplayName string `json:"display_name"`
	Password    string `json:"password"`
}

// Valid implements Validator; the service checks the name.
func (r displayNameJSON) Valid(context.Context) map[string]string { return passwordProblem(r.Password) }

// rectificationJSON is the body of POST .../readings/{id}/rectification.
type rectificationJSON struct {
	Action   string          `json:"action"`
	Person   *string         `json:"person"` // reattribute: the member it is about; "" for the household
	Values   json.RawMessage `json:"values"` // correct: the right values
	Password string          `json:"password"`
}

// Valid implements Validator.
func (r rectificationJSON) Valid(context.Context) map[string]string {
	p := passwordProblem(r.Password)
	switch r.Action {
	case actionReattribute:
		if r.Person == nil {
			p["person"] = `required: the member the reading is about, or "" for the household`
		}
	case actionCorrect:
		if len(r.Values) == 0 {
			p["values"] = "required: the right values, a JSON object"
		}
	case actionDispute, actionUndispute:
	default:
		p["action"] = "must be reattribute, dispute, undispute or correct"
	}
	return p
}

// handleRename corrects a person's display name (RIGHT-RECTIFY).
func (s *server) handleRename() http.Handler {
	return s.withRights(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[displayNameJSON](w, r)
		if err != nil {
			return err
		}
		rr, err := s.Rights.Rename(r.Context(), change(r, req.Password), req.DisplayName)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]any{"request": rightsRequestView(rr)})
		return nil
	})
}

// handleRectifyReading re-attributes, disputes or corrects a reading
// (RIGHT-RECTIFY).
func (s *server) handleRectifyReading() http.Handler {
	return s.withRights(func(w http.ResponseWriter, r *http.Request) error {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return &hearth.Error{Code: hearth.ENOTFOUND, Field: "reading", Message: "no such reading in the household"}
		}
		req, err := decode[rectificationJSON](w, r)
		if err != nil {
			return err
		}
		c := rights.ReadingChange{Actor: caller(r), HouseholdID: r.PathValue("hh"), ReadingID: id, Password: req.Password}
		var rr *hearth.RightsRequest
		switch req.Action {
		case actionReattribute:
			rr, err = s.Rights.Reattribute(r.Context(), c, *req.Person)
		case actionCorrect:
			rr, err = s.Rights.Correct(r.Context(), c, req.Values)
		default:
			rr, err = s.Rights.Dispute(r.Context(), c, req.Action == actionDispute)
		}
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]any{"request": rightsRequestView(rr)})
		return nil
	})
}
