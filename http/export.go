package http

import (
	"context"
	"net/http"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/export"
)

// MaxImportSize is the largest archive POST /v1/households/{hh}/imports
// accepts, in bytes: about 4 million readings.
const MaxImportSize = 1 << 30

// exportLinkJSON is the answer to a request for an export.
type exportLinkJSON struct {
	URL     string    `json:"url"` // GET it, with the same session, to download the ZIP
	Expires time.Time `json:"expires"`
}

// exportRequest is the body of POST .../people/{person}/exports.
type exportRequest struct {
	Password string `json:"password"` // the caller's password, checked again (RIGHT-REQUESTS)
}

// Valid implements Validator.
func (r exportRequest) Valid(context.Context) map[string]string {
	if r.Password == "" {
		return map[string]string{"password": "required: enter your password again to confirm it is you"}
	}
	return nil
}

// exportsServed answers 404 when the export service is not wired.
func (s *server) exportsServed() error {
	if s.Exports == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "exports are not served here")
	}
	return nil
}

// handleRequestExport makes a download link for {person}'s export
// (RIGHT-ACCESS), logged as an access request: for the person, their
// guardian, or an owner acting for a profile without an account
// (RIGHT-UNREGISTERED), after the caller enters their password again.
func (s *server) handleRequestExport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := s.exportsServed()
		var req exportRequest
		if err == nil {
			req, err = decode[exportRequest](w, r)
		}
		var token string
		var l *hearth.ExportLink
		if err == nil {
			token, l, err = s.Exports.RequestLink(r.Context(), caller(r), r.PathValue("hh"), r.PathValue("person"), req.Password)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusCreated, exportLinkJSON{URL: "/v1/exports/" + token, Expires: l.Expires})
	})
}

// handleDownloadExport streams the export of a link as a ZIP: 404 for an
// unknown link or another person's, 410 for an expired one. The archive
// is written as it is read from the store; an error before its first byte
// (every reading is opened before the archive starts) is a problem
// document, one after it aborts the response, so the client gets a
// truncated archive that an import refuses, never a complete-looking wrong
// one.
func (s *server) handleDownloadExport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := s.exportsServed()
		var l *hearth.ExportLink
		if err == nil {
			l, err = s.Exports.Redeem(r.Context(), caller(r), r.PathValue("token"))
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		auditSubjects(r, l.PersonID)
		zw := &zipResponse{w: w, person: l.PersonID}
		if _, err := s.Exports.Write(r.Context(), zw, l.PersonID, nil); err != nil {
			if !zw.started {
				s.writeError(w, r, err)
				return
			}
			s.Logger.Error("export failed while streaming", "err", err)
			panic(http.ErrAbortHandler)
		}
	})
}

// zipResponse sends the ZIP headers with the first byte of the archive,
// so that an export failing before it starts can still answer with a
// problem document.
type zipResponse struct {
	w       http.ResponseWriter
	person  string
	started bool
}

func (z *zipResponse) Write(p []byte) (int, error) {
	if !z.started {
		h := z.w.Header()
		h.Set("Content-Type", "application/zip")
		h.Set("Content-Disposition", `attachment; filename="hearth-export-`+z.person+`.zip"`)
		z.started = true
	}
	return z.w.Write(p)
}

// handleImport restores a person from an export into {hh} (RIGHT-PORT):
// the body is the ZIP, at most MaxImportSize bytes; only an owner of {hh}
// may. 201 with what was imported, or 200 when this export was imported
// before and nothing changed. The upload may take up to ImportReadTimeout,
// longer than the server's read timeout for other requests.
func (s *server) handleImport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NewResponseController(w).SetReadDeadline(time.Now().Add(ImportReadTimeout)) // not every ResponseWriter supports it
		err := s.exportsServed()
		var res *export.ImportResult
		if err == nil {
			res, err = s.Exports.ImportFrom(r.Context(), r.Body, MaxImportSize,
				export.Target{Actor: caller(r), HouseholdID: r.PathValue("hh")})
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		status := http.StatusCreated
		if res.AlreadyImported {
			status = http.StatusOK
		}
		encode(w, status, res)
	})
}
