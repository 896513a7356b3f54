package http

import "net/http"

// asSelf serves h, a per-person route of rights, for the caller acting for
// themselves without naming a household (the /v1/me routes: RIGHT-ACCESS,
// RIGHT-ERASE, RIGHT-REQUESTS): {person} is the caller and {hh} is "", which
// the services authorise through policy.MayExerciseOwnRights, so a person
// who left every household still reaches their data. It must run inside
// authed.
func asSelf(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.SetPathValue("hh", "")
		r.SetPathValue("person", caller(r))
		h.ServeHTTP(w, r)
	})
}
