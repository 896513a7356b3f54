package http

import (
	"context"
	"net/http"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/consent"
)

// The consent decisions of POST .../consents/{purpose}.
const (
	decisionGive     = "give"
	decisionRefuse   = "refuse"
	decisionWithdraw = "withdraw"
)

// consentRequest is the body of POST
// /v1/households/{hh}/people/{person}/consents/{purpose}: giving and
// withdrawing are the same call (CONSENT-WITHDRAW).
type consentRequest struct {
	Decision  string        `json:"decision"`
	Method    hearth.Method `json:"method"`
	Statement string        `json:"statement"` // for explicit consent: the statement shown, verbatim
}

// Valid implements Validator.
func (r consentRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	switch r.Decision {
	case decisionGive, decisionRefuse, decisionWithdraw:
	default:
		p["decision"] = "must be give, refuse or withdraw"
	}
	if !r.Method.Valid() {
		p["method"] = "must be web, app, voice or api"
	}
	return p
}

// settingsJSON is a person's settings, as GET and PUT
// /v1/households/{hh}/people/{person}/settings show and take them.
type settingsJSON struct {
	Features        []string          `json:"features"`
	Purposes        []string          `json:"purposes"`
	Location        string            `json:"location"` // "off", or a granularity such as "city"
	FeatureLocation map[string]string `json:"feature_location"`
	Updated         *time.Time        `json:"updated,omitempty"` // absent while the defaults apply
}

// Valid implements Validator; the service checks the IDs against the
// manifest.
func (settingsJSON) Valid(context.Context) map[string]string { return nil }

func settingsView(st hearth.PersonSettings) settingsJSON {
	v := settingsJSON{Features: st.Features, Purposes: st.Purposes, Location: st.Location, FeatureLocation: st.FeatureLocation}
	if v.Features == nil {
		v.Features = []string{}
	}
	if v.Purposes == nil {
		v.Purposes = []string{}
	}
	if v.FeatureLocation == nil {
		v.FeatureLocation = map[string]string{}
	}
	if v.Location == "" {
		v.Location = "off"
	}
	if !st.Updated.IsZero() {
		v.Updated = &st.Updated
	}
	return v
}

// featureRequest is the body of POST .../features/{feature}.
type featureRequest struct {
	Enabled *bool `json:"enabled"`
}

// Valid implements Validator.
func (r featureRequest) Valid(context.Context) map[string]string {
	if r.Enabled == nil {
		return map[string]string{"enabled": "required: true or false"}
	}
	return nil
}

// personHandler is a handler about one person of a household, with the
// caller authorised by subject.Authorize: a member of {hh} acting for
// themselves, or a guardian for their child.
type personHandler func(w http.ResponseWriter, r *http.Request, hh, person string) error

// forPerson authorises the caller for {person} in {hh} and runs h; errors
// become problem documents. Without the consent service and subject cache
// it answers 404.
func (s *server) forPerson(h personHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Consents == nil || s.Subjects == nil {
			s.writeError(w, r, hearth.Errorf(hearth.ENOTFOUND, "consents and settings are not served here"))
			return
		}
		hh, person := r.PathValue("hh"), r.PathValue("person")
		_, _, err := s.Subjects.Authorize(r.Context(), caller(r), hh, person)
		if err == nil {
			err = h(w, r, hh, person)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
}

// handleConsents lists the person's consent state per consent-based purpose.
func (s *server) handleConsents() http.Handler {
	return s.forPerson(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		st, err := s.Consents.State(r.Context(), person)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]any{"person": person, "consents": st})
		return nil
	})
}

// requestMethod is the ?method= of a consent request route, api by default.
func requestMethod(r *http.Request) hearth.Method {
	if m := hearth.Method(r.URL.Query().Get("method")); m != "" {
		return m
	}
	return hearth.MethodAPI
}

// handleConsentRequest shows the consent request for {purpose} and records
// nothing (a GET has no effect); 429 while a refusal's cool-off lasts
// (CONSENT-NO-NAG).
func (s *server) handleConsentRequest() http.Handler {
	return s.forPerson(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		v, err := s.Consents.Preview(r.Context(), caller(r), person, r.PathValue("purpose"), requestMethod(r))
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, v)
		return nil
	})
}

// handleConsentRequestShown records that the consent request for {purpose}
// was shown (a consent-requested and a notice-shown ledger entry) and
// answers 201 with it; 429 while a refusal's cool-off lasts, and 429 with
// Retry-After once it was recorded consent.RequestsRecorded times
// recently (SEC-BRUTE).
func (s *server) handleConsentRequestShown() http.Handler {
	return s.forPerson(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		v, err := s.Consents.Request(r.Context(), caller(r), person, r.PathValue("purpose"), requestMethod(r))
		if err != nil {
			return err
		}
		encode(w, http.StatusCreated, v)
		return nil
	})
}

// handleConsentDecision gives, refuses or withdraws consent for {purpose}.
func (s *server) handleConsentDecision() http.Handler {
	return s.forPerson(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		req, err := decode[consentRequest](w, r)
		if err != nil {
			return err
		}
		purpose, actor := r.PathValue("purpose"), caller(r)
		var st consent.PurposeState
		switch req.Decision {
		case decisionGive:
			st, err = s.Consents.Give(r.Context(), actor, person, purpose, req.Method, req.Statement)
		case decisionRefuse:
			st, err = s.Consents.Refuse(r.Context(), actor, person, purpose, req.Method)
		default:
			st, err = s.Consents.Withdraw(r.Context(), actor, person, purpose, req.Method)
		}
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]any{"person": person, "purpose": purpose, "consent": st})
		return nil
	})
}

// handleReceipts lists the person's Kantara consent receipts.
func (s *server) handleReceipts() http.Handler {
	return s.forPerson(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		rs, err := s.Consents.Receipts(r.Context(), person)
		if err != nil {
			return err
		}
		if rs == nil {
			rs = []consent.Receipt{}
		}
		encode(w, http.StatusOK, map[string]any{"receipts": rs})
		return nil
	})
}

// handleConsentHistory lists the person's consent decisions, oldest first
// (CONSENT-LEDGER).
func (s *server) handleConsentHistory() http.Handler {
	return s.forPerson(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		ds, err := s.Consents.History(r.Context(), person)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]any{"decisions": ds})
		return nil
	})
}

// handleSettings shows the person's settings.
func (s *server) handleSettings() http.Handler {
	return s.forPerson(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		st, err := s.Subjects.Settings(r.Context(), caller(r), hh, person)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, settingsView(st))
		return nil
	})
}

// handlePutSettings replaces the person's settings.
func (s *server) handlePutSettings() http.Handler {
	return s.forPerson(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		req, err := decode[settingsJSON](w, r)
		if err != nil {
			return err
		}
		st, err := s.Subjects.PutSettings(r.Context(), caller(r), hh, person, hearth.PersonSettings{
			Features: req.Features, Purposes: req.Purposes, Location: req.Location, FeatureLocation: req.FeatureLocation})
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, settingsView(st))
		return nil
	})
}

// handleFeature switches {feature} on or off and returns its just-in-time
// notice, with the consent requests still needed (CONSENT-MOMENTS).
func (s *server) handleFeature() http.Handler {
	return s.forPerson(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		req, err := decode[featureRequest](w, r)
		if err != nil {
			return err
		}
		n, err := s.Subjects.SetFeature(r.Context(), caller(r), hh, person, r.PathValue("feature"), *req.Enabled)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, withRequestLinks(n, hh, person))
		return nil
	})
}
