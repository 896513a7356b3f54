package http

import (
	"context"
	"net/http"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/rights"
)

// restrictionJSON is the body of POST {p}/restrictions: one purpose, or
// all of them.
type restrictionJSON struct {
	Purpose  string `json:"purpose"`
	All      bool   `json:"all"`
	Restrict *bool  `json:"restrict"`
	Password string `json:"password"`
}

// Valid implements Validator.
func (r restrictionJSON) Valid(context.Context) map[string]string {
	p := passwordProblem(r.Password)
	if (r.Purpose == "") == !r.All {
		p["purpose"] = "name one purpose, or set all to true for every purpose"
	}
	if r.Restrict == nil {
		p["restrict"] = "required: true to restrict, false to lift the restriction"
	}
	return p
}

// objectionJSON is the body of POST {p}/objections and
// {p}/objections/marketing (which takes no purpose).
type objectionJSON struct {
	Purpose  string `json:"purpose"`
	Object   *bool  `json:"object"`
	Password string `json:"password"`
}

// Valid implements Validator; the purpose is checked by the handler that
// needs one.
func (r objectionJSON) Valid(context.Context) map[string]string {
	p := passwordProblem(r.Password)
	if r.Object == nil {
		p["object"] = "required: true to object, false to withdraw the objection"
	}
	return p
}

// admJSON is the body of POST {p}/automated-decisions/{purpose}.
type admJSON struct {
	OptOut   *bool  `json:"opt_out"`
	Password string `json:"password"`
}

// Valid implements Validator.
func (r admJSON) Valid(context.Context) map[string]string {
	p := passwordProblem(r.Password)
	if r.OptOut == nil {
		p["opt_out"] = "required: true to opt out, false to opt back in"
	}
	return p
}

// reviewJSON is the body of POST .../automated-decisions/{purpose}/review.
type reviewJSON struct {
	View     string `json:"view"` // the person's view of the decisions, in their own words
	Password string `json:"password"`
}

// Valid implements Validator; the service checks the view.
func (r reviewJSON) Valid(context.Context) map[string]string { return passwordProblem(r.Password) }

// passwordProblem returns the problems of a missing password, in a map
// other checks may add to.
func passwordProblem(pw string) map[string]string {
	p := map[string]string{}
	if pw == "" {
		p["password"] = "required: enter your password again to confirm it is you"
	}
	return p
}

// change returns the rights change the request makes for {person} in {hh}.
func change(r *http.Request, password string) rights.Change {
	return rights.Change{Actor: caller(r), HouseholdID: r.PathValue("hh"), PersonID: r.PathValue("person"), Password: password}
}

// writeControls answers a change of controls with the controls after it
// and the rights request that recorded it.
func writeControls(w http.ResponseWriter, c rights.Controls, rr *hearth.RightsRequest) {
	encode(w, http.StatusOK, map[string]any{"controls": c, "request": rightsRequestView(rr)})
}

// handleControls shows the person's restrictions, objections and opt-outs,
// and per purpose what they may do about it.
func (s *server) handleControls() http.Handler {
	return s.withRights(func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.Rights.Controls(r.Context(), caller(r), r.PathValue("hh"), r.PathValue("person"))
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, c)
		return nil
	})
}

// handleRestrict restricts or lifts the restriction of a purpose, or of
// all processing (RIGHT-RESTRICT).
func (s *server) handleRestrict() http.Handler {
	return s.withRights(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[restrictionJSON](w, r)
		if err != nil {
			return err
		}
		c, rr, err := s.Rights.Restrict(r.Context(), change(r, req.Password), req.Purpose, *req.Restrict)
		if err != nil {
			return err
		}
		writeControls(w, c, rr)
		return nil
	})
}

// handleObject records or withdraws an objection to a purpose
// (RIGHT-OBJECT); 422 with the reason when its basis gives no such right.
func (s *server) handleObject() http.Handler {
	return s.withRights(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[objectionJSON](w, r)
		if err != nil {
			return err
		}
		if req.Purpose == "" {
			return hearth.FieldError("purpose", "required: the purpose you object to")
		}
		c, rr, err := s.Rights.Object(r.Context(), change(r, req.Password), req.Purpose, *req.Object)
		if err != nil {
			return err
		}
		writeControls(w, c, rr)
		return nil
	})
}

// handleObjectMarketing turns the one switch against all marketing and
// advertising on or off (RIGHT-OBJECT-MKT).
func (s *server) handleObjectMarketing() http.Handler {
	return s.withRights(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[objectionJSON](w, r)
		if err != nil {
			return err
		}
		if req.Purpose != "" {
			return hearth.FieldError("purpose", "the marketing switch covers every marketing purpose: name none")
		}
		c, rr, err := s.Rights.ObjectMarketing(r.Context(), change(r, req.Password), *req.Object)
		if err != nil {
			return err
		}
		writeControls(w, c, rr)
		return nil
	})
}

// handleOptOutADM opts out of, or back into, a purpose's solely automated
// decisions (RIGHT-ADM).
func (s *server) handleOptOutADM() http.Handler {
	return s.withRights(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[admJSON](w, r)
		if err != nil {
			return err
		}
		c, rr, err := s.Rights.OptOutADM(r.Context(), change(r, req.Password), r.PathValue("purpose"), *req.OptOut)
		if err != nil {
			return err
		}
		writeControls(w, c, rr)
		return nil
	})
}

// handleRequestReview asks for a human review of a purpose's automated
// decisions: 201 with the request, open in the operators' queue (RIGHT-ADM).
func (s *server) handleRequestReview() http.Handler {
	return s.withRights(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[reviewJSON](w, r)
		if err != nil {
			return err
		}
		rr, err := s.Rights.RequestReview(r.Context(), change(r, req.Password), r.PathValue("purpose"), req.View)
		if err != nil {
			return err
		}
		v, err := s.requestView(r.Context(), rr)
		if err != nil {
			return err
		}
		encode(w, http.StatusCreated, v)
		return nil
	})
}
