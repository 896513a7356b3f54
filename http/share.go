package http

import (
	"context"
	"net/http"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/consent"
)

// shareRequest is the body of POST and DELETE
// /v1/households/{hh}/people/{person}/shares: one category of {person}'s
// data, shared with (or no longer with) another member.
type shareRequest struct {
	Category string        `json:"category"`
	With     string        `json:"with"`
	Method   hearth.Method `json:"method"` // default "api"
}

// Valid implements Validator; the service checks the IDs.
func (r shareRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if r.Category == "" {
		p["category"] = "required: a data category ID"
	}
	if r.With == "" {
		p["with"] = "required: the person ID of the member to share with"
	}
	if r.Method != "" && !r.Method.Valid() {
		p["method"] = "must be web, app, voice or api"
	}
	return p
}

func (r shareRequest) method() hearth.Method {
	if r.Method == "" {
		return hearth.MethodAPI
	}
	return r.Method
}

// handleShares lists the shares of {person}'s data in force in {hh}.
func (s *server) handleShares() http.Handler {
	return s.forPerson(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		shares, err := s.Consents.Shares(r.Context(), hh, person)
		if err != nil {
			return err
		}
		if shares == nil {
			shares = []consent.Share{}
		}
		encode(w, http.StatusOK, map[string]any{"person": person, "shares": shares})
		return nil
	})
}

// handleGrantShare shares a category of {person}'s data with another
// member (RIGHT-ACCESS-OTHERS).
func (s *server) handleGrantShare() http.Handler {
	return s.forPerson(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		req, err := decode[shareRequest](w, r)
		if err != nil {
			return err
		}
		sh, err := s.Consents.Grant(r.Context(), caller(r), person, req.Category, req.With, req.method())
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]any{"person": person, "share": sh})
		return nil
	})
}

// handleRevokeShare revokes a share; the reader loses access at once.
func (s *server) handleRevokeShare() http.Handler {
	return s.forPerson(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		req, err := decode[shareRequest](w, r)
		if err != nil {
			return err
		}
		if err := s.Consents.Revoke(r.Context(), caller(r), person, req.Category, req.With, req.method()); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
