package http

import (
	"context"
	"net/http"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/rights"
)

// rightsRequestJSON is a rights request as the API shows it.
type rightsRequestJSON struct {
	ID            string     `json:"id"`
	Person        string     `json:"person"`
	Household     string     `json:"household"`
	Type          string     `json:"type"`
	Scope         string     `json:"scope"`
	RequestedBy   string     `json:"requested_by"`
	IdentityCheck string     `json:"identity_check"`
	Status        string     `json:"status"`
	Created       time.Time  `json:"created"`
	Deadline      time.Time  `json:"deadline"`
	Completed     *time.Time `json:"completed,omitempty"` // absent while open
	Outcome       string     `json:"outcome"`
	Statement     string     `json:"statement,omitempty"`        // the person's own words, opened
	Erased        bool       `json:"statement_erased,omitempty"` // the statement's key was destroyed
}

func rightsRequestView(r *hearth.RightsRequest) rightsRequestJSON {
	v := rightsRequestJSON{ID: r.ID, Person: r.PersonID, Household: r.HouseholdID, Type: string(r.Type), Scope: r.Scope,
		RequestedBy: r.RequestedBy, IdentityCheck: string(r.IdentityCheck), Status: string(r.Status),
		Created: r.Created, Deadline: r.Deadline, Outcome: r.Outcome}
	if !r.Completed.IsZero() {
		v.Completed = &r.Completed
	}
	return v
}

// requestView is rightsRequestView with the request's statement opened.
func (s *server) requestView(ctx context.Context, r *hearth.RightsRequest) (rightsRequestJSON, error) {
	v := rightsRequestView(r)
	var err error
	v.Statement, v.Erased, err = s.Rights.Statement(ctx, r)
	return v, err
}

// openRequestJSON is the body of POST .../people/{person}/requests.
type openRequestJSON struct {
	Type      hearth.RequestType `json:"type"`
	Scope     string             `json:"scope"`
	Statement string             `json:"statement"` // what the person says with it, in their own words
	Password  string             `json:"password"`  // the caller's password, checked again
}

// Valid implements Validator; the service checks the type and scope.
func (r openRequestJSON) Valid(context.Context) map[string]string { return passwordProblem(r.Password) }

// withRights runs h, or answers 404 when the rights service is not served;
// errors become problem documents.
func (s *server) withRights(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var err error = hearth.Errorf(hearth.ENOTFOUND, "rights requests are not served here")
		if s.Rights != nil {
			err = h(w, r)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
}

// handleOpenRequest records a rights request after re-authenticating the
// caller: 201 with the request (RIGHT-REQUESTS).
func (s *server) handleOpenRequest() http.Handler {
	return s.withRights(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[openRequestJSON](w, r)
		if err != nil {
			return err
		}
		rr, err := s.Rights.Open(r.Context(), rights.Opening{Actor: caller(r), HouseholdID: r.PathValue("hh"),
			PersonID: r.PathValue("person"), Type: req.Type, Scope: req.Scope, Statement: req.Statement, Password: req.Password})
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

// handleRequests lists the person's rights requests, newest first.
func (s *server) handleRequests() http.Handler {
	return s.withRights(func(w http.ResponseWriter, r *http.Request) error {
		rs, err := s.Rights.Requests(r.Context(), caller(r), r.PathValue("hh"), r.PathValue("person"))
		if err != nil {
			return err
		}
		out := make([]rightsRequestJSON, len(rs))
		for i := range rs {
			if out[i], err = s.requestView(r.Context(), &rs[i]); err != nil {
				return err
			}
		}
		encode(w, http.StatusOK, map[string]any{"requests": out})
		return nil
	})
}

// handleRequest shows one of the person's rights requests and its progress.
func (s *server) handleRequest() http.Handler {
	return s.withRights(func(w http.ResponseWriter, r *http.Request) error {
		rr, err := s.Rights.Request(r.Context(), caller(r), r.PathValue("hh"), r.PathValue("person"), r.PathValue("id"))
		if err != nil {
			return err
		}
		v, err := s.requestView(r.Context(), rr)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, v)
		return nil
	})
}
