package http

import (
	"net/http"

	"github.com/hearth-iot/hearth/subject"
)

// handleOverview shows what happens to the person's data: per category,
// the device models that produce it, whether it is collected now, the
// purposes using it with their basis and state, its retention and its
// recipients; the features and the location setting (the privacy
// dashboard's content).
func (s *server) handleOverview() http.Handler {
	return s.forPerson(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		o, err := s.Subjects.Overview(r.Context(), caller(r), hh, person)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, o)
		return nil
	})
}

// handleFeaturePreview shows {feature}'s just-in-time notice, with the
// consent requests switching it on would leave to make, and changes
// nothing (CONSENT-MOMENTS).
func (s *server) handleFeaturePreview() http.Handler {
	return s.forPerson(func(w http.ResponseWriter, r *http.Request, hh, person string) error {
		n, err := s.Subjects.PreviewFeature(r.Context(), caller(r), hh, person, r.PathValue("feature"))
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, withRequestLinks(n, hh, person))
		return nil
	})
}

// withRequestLinks fills in the address of each consent request a
// feature's notice lists.
func withRequestLinks(n subject.FeatureNotice, hh, person string) subject.FeatureNotice {
	for i := range n.ConsentsNeeded {
		n.ConsentsNeeded[i].Request = "/v1/households/" + hh + "/people/" + person + "/consents/" + n.ConsentsNeeded[i].Purpose + "/request"
	}
	return n
}
