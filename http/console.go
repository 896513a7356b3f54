package http

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/manifest"
)

// The operator console's routes (issue 15): what the console page shows,
// for operator tools too (INT-SAME-SCOPE). Each is behind s.operator.

// queueLimit is how many open rights requests the console lists.
const queueLimit = 1000

// manifestJSON is the manifest the server enforces and its lint status.
type manifestJSON struct {
	Version  string             `json:"version"`
	Clean    bool               `json:"clean"`    // no problem at all, not even a warning
	Problems []manifestProblem  `json:"problems"` // warnings only: the server serves no manifest with errors
	Manifest *manifest.Manifest `json:"manifest"`
}

// manifestProblem is one problem of manifest.Lint.
type manifestProblem struct {
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	Warning bool   `json:"warning"`
}

// manifestStatus lints the manifest the server enforces (manifest.Lint, as
// `hearth manifest lint` does). It returns ENOTFOUND when the server runs
// without one.
func (s *server) manifestStatus() (manifestJSON, error) {
	m := s.notices().manifest
	if m == nil {
		return manifestJSON{}, hearth.Errorf(hearth.ENOTFOUND, "no manifest is served here")
	}
	v := manifestJSON{Version: m.Version, Problems: []manifestProblem{}, Manifest: m}
	for _, p := range manifest.Lint(m) {
		v.Problems = append(v.Problems, manifestProblem{Line: p.Line, Field: p.Field, Message: p.Message, Warning: p.Warning})
	}
	v.Clean = len(v.Problems) == 0
	return v, nil
}

// ledgerJSON is the result of verifying the consent ledger.
type ledgerJSON struct {
	Intact  bool         `json:"intact"`
	Entries int64        `json:"entries"` // intact: the head's sequence number; else the entries checked before the break
	Head    string       `json:"head"`    // the hash of the last entry checked, hex; keep it to detect a cut-off end
	Problem *ledgerBreak `json:"problem,omitempty"`
}

// ledgerBreak is the first break in the chain.
type ledgerBreak struct {
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"` // altered, missing or reordered
	Detail string `json:"detail"`
}

// ledgerStatus verifies the consent ledger's hash chain as `hearth ledger
// verify` does. A break is a result, not an error; a read error is.
func (s *server) ledgerStatus(ctx context.Context) (ledgerJSON, error) {
	if s.Consents == nil {
		return ledgerJSON{}, hearth.Errorf(hearth.ENOTFOUND, "no consent ledger is served here")
	}
	head, err := s.Consents.VerifyLedger(ctx)
	v := ledgerJSON{Intact: err == nil, Entries: head.Seq, Head: hex.EncodeToString(head.Hash)}
	var p *ledger.Problem
	if errors.As(err, &p) {
		v.Problem = &ledgerBreak{Seq: p.Seq, Kind: string(p.Kind), Detail: p.Detail}
	} else if err != nil {
		return ledgerJSON{}, err
	}
	return v, nil
}

// operatorQueue lists the open rights requests of everyone, earliest
// deadline first, each with the person's statement opened (for a human
// review, their view of the decision), as `hearth requests show` does.
func (s *server) operatorQueue(ctx context.Context, limit int) ([]rightsRequestJSON, error) {
	if s.Rights == nil {
		return nil, hearth.Errorf(hearth.ENOTFOUND, "rights requests are not served here")
	}
	rs, err := s.Rights.Queue(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]rightsRequestJSON, len(rs))
	for i := range rs {
		if out[i], err = s.requestView(ctx, &rs[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// handleOperatorManifest answers GET /v1/operator/manifest: the manifest
// enforced and its lint warnings.
func (s *server) handleOperatorManifest() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := s.manifestStatus()
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, v)
	})
}

// handleOperatorLedger answers GET /v1/operator/ledger: the consent
// ledger verified, 200 whether intact or not (intact says which).
func (s *server) handleOperatorLedger() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := s.ledgerStatus(r.Context())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, v)
	})
}

// handleOperatorRequests answers GET /v1/operator/requests?limit=: the
// open rights requests of everyone, earliest deadline first.
func (s *server) handleOperatorRequests() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := queueLimit
		if q := r.URL.Query().Get("limit"); q != "" {
			n, err := strconv.Atoi(q)
			if err != nil || n < 1 || n > queueLimit {
				s.writeError(w, r, hearth.FieldError("limit", "give a number from 1 to %d", queueLimit))
				return
			}
			limit = n
		}
		rs, err := s.operatorQueue(r.Context(), limit)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		auditQueue(r, rs)
		encode(w, http.StatusOK, map[string]any{"requests": rs})
	})
}

// progressRequest is the body of POST /v1/operator/requests/{id}.
type progressRequest struct {
	Status  hearth.RequestStatus `json:"status"`  // in-progress, done or refused
	Outcome string               `json:"outcome"` // what was done so far, what was done, or why it was refused
}

// Valid implements Validator; the service checks the status and outcome.
func (r progressRequest) Valid(context.Context) map[string]string { return nil }

// handleOperatorProgress answers POST /v1/operator/requests/{id}: an
// operator's progress on an open request (rights.Service.Progress, as
// `hearth requests update` records it), 200 with the request; the person
// sees it in their requests.
func (s *server) handleOperatorProgress() http.Handler {
	return s.withRights(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[progressRequest](w, r)
		if err != nil {
			return err
		}
		rr, err := s.Rights.Progress(r.Context(), r.PathValue("id"), req.Status, req.Outcome)
		if err != nil {
			return err
		}
		auditSubjects(r, rr.PersonID)
		encode(w, http.StatusOK, rightsRequestView(rr))
		return nil
	})
}
