package http

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/firmware"
	"github.com/hearth-iot/hearth/firmware/updates"
	"github.com/hearth-iot/hearth/http/web"
	"github.com/hearth-iot/hearth/manifest"
)

// maxReleaseForm bounds the console's release upload: the largest image,
// its metadata and the multipart framing around them.
const maxReleaseForm = firmware.MaxImageSize + firmware.MaxMetadataSize + 64<<10

// operatorPages registers the operator console: for operator accounts
// whose session was opened with a second factor only (s.checkOperator, as
// the /v1/operator routes); anyone else gets the not-allowed page.
func (s *server) operatorPages(handle func(pattern string, h http.Handler)) {
	handle("GET /operator", s.page("operator", s.forOperator(s.pageConsole())))
	handle("GET /operator/requests", s.page("operator", s.forOperator(s.pageQueue())))
	handle("GET /operator/requests/{id}", s.page("operator", s.forOperator(s.pageQueued())))
	handle("POST /operator/requests/{id}", s.page("operator", s.forOperator(s.pageProgressPost())))
	handle("GET /operator/firmware", s.page("operator", s.forOperator(s.pageFirmware())))
	handle("POST /operator/firmware/releases", s.pageWith("operator", pageOptions{maxBytes: maxReleaseForm}, s.forOperator(s.pagePublishPost())))
	handle("POST /operator/firmware/rollouts", s.page("operator", s.forOperator(s.pageRolloutPost())))
	handle("GET /operator/ledger", s.page("operator", s.forOperator(s.pageLedger())))
}

// operatorView is what every console page has: which of them it is, for
// the console's navigation.
type operatorView struct {
	View string // console, requests, firmware, ledger, analytics or report
}

// forOperator runs h for an operator whose session was opened with a
// second factor (SEC-MFA), and returns checkOperator's EFORBIDDEN, saying
// what to do, to anyone else.
func (s *server) forOperator(h pageFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if err := s.checkOperator(r.Context()); err != nil {
			if msg, ok := operatorPageMessages[hearth.ErrorMessage(err)]; ok {
				return &hearth.Error{Code: hearth.EFORBIDDEN, Message: msg, Err: err}
			}
			return err
		}
		return h(w, r, p)
	}
}

// operatorPageMessages says checkOperator's refusals in the pages' terms:
// the API's name routes, a page names the page to use.
var operatorPageMessages = map[string]string{
	msgNotOperator:          "The console is for operator accounts. An operator of this server grants the role with the command hearth operators grant",
	msgOperatorNoFactor:     "Operator accounts must use a second factor: set up an authenticator app or a passkey on your account page, then sign out and sign in again with it",
	msgOperatorPasswordOnly: "You signed in with your password alone. The console needs a sign-in with your second factor: sign out and sign in again",
}

// consolePage is the content of the console's first page.
type consolePage struct {
	operatorView
	Manifest manifestJSON
	Notice   manifest.NoticeDoc
	Children bool // a children's notice is published
	Open     int  // open rights requests
	Overdue  int  // of them, past their deadline
	Reviews  int  // of them, human reviews of automated decisions
}

// pageConsole shows the manifest the server enforces and its lint status,
// the notice generated from it, and the rights-request queue's size.
func (s *server) pageConsole() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		d := consolePage{operatorView: operatorView{View: "console"}}
		var err error
		if d.Manifest, err = s.manifestStatus(); err != nil {
			return err
		}
		d.Notice, d.Children = s.notices().doc, s.notices().child != nil
		if s.Rights != nil {
			q, err := s.Rights.Queue(r.Context(), queueLimit) // counts only: no statement opened
			if err != nil {
				return err
			}
			d.Open = len(q)
			now := time.Now()
			for _, rr := range q {
				if now.After(rr.Deadline) {
					d.Overdue++
				}
				if rr.Type == hearth.RequestADMReview {
					d.Reviews++
				}
			}
		}
		p.Data = d
		return s.render(w, r, http.StatusOK, "operator", p)
	}
}

// queuePage is the content of the rights-request queue.
type queuePage struct {
	operatorView
	Requests []queuedRequest // every open request, earliest deadline first
	Reviews  []queuedRequest // the human reviews among them (RIGHT-ADM)
	Limit    int
}

// queuedRequest is an open request with its time left.
type queuedRequest struct {
	rightsRequestJSON
	Overdue bool
	Due     string // "in 12 days", "in 5 hours", "overdue"
}

// pageQueue shows the open rights requests of everyone, earliest deadline
// first, and the human reviews among them with the person's view.
func (s *server) pageQueue() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		q, err := s.operatorQueue(r.Context(), queueLimit)
		if err != nil {
			return err
		}
		auditQueue(r, q)
		d := queuePage{operatorView: operatorView{View: "requests"}, Limit: queueLimit}
		now := time.Now()
		for _, rr := range q {
			qr := queuedRequest{rightsRequestJSON: rr, Overdue: now.After(rr.Deadline), Due: dueIn(rr.Deadline.Sub(now))}
			d.Requests = append(d.Requests, qr)
			if rr.Type == string(hearth.RequestADMReview) {
				d.Reviews = append(d.Reviews, qr)
			}
		}
		p.Data = d
		return s.render(w, r, http.StatusOK, "operator_requests", p)
	}
}

// queuedPage is the content of one open request's page.
type queuedPage struct {
	operatorView
	Request queuedRequest
}

// pageQueued shows one open request, with the person's statement, and the
// form to record progress on it.
func (s *server) pageQueued() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		return s.renderQueued(w, r, p, http.StatusOK)
	}
}

// renderQueued renders the page of the open request named in the path
// with status; ENOTFOUND when no open request has that ID.
func (s *server) renderQueued(w http.ResponseWriter, r *http.Request, p *web.Page, status int) error {
	q, err := s.operatorQueue(r.Context(), queueLimit)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, rr := range q {
		if rr.ID == r.PathValue("id") {
			auditSubjects(r, rr.Person)
			p.Data = queuedPage{operatorView: operatorView{View: "requests"},
				Request: queuedRequest{rightsRequestJSON: rr, Overdue: now.After(rr.Deadline), Due: dueIn(rr.Deadline.Sub(now))}}
			return s.render(w, r, status, "operator_request", p)
		}
	}
	return hearth.Errorf(hearth.ENOTFOUND, "no open rights request has that ID: it may be closed already")
}

// pageProgressPost records an operator's progress on an open request, as
// POST /v1/operator/requests/{id} and `hearth requests update` do; the
// person sees it in their requests.
func (s *server) pageProgressPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if s.Rights == nil {
			return hearth.Errorf(hearth.ENOTFOUND, "rights requests are not served here")
		}
		f := r.PostForm
		rr, err := s.Rights.Progress(r.Context(), r.PathValue("id"), hearth.RequestStatus(f.Get("status")), strings.TrimSpace(f.Get("outcome")))
		switch hearth.ErrorCode(err) {
		case "":
			auditSubjects(r, rr.PersonID)
		case hearth.EINVALID:
			p.SetError(hearth.ErrorField(err), sentence(hearth.ErrorMessage(err)))
			p.Form = f
			return s.renderQueued(w, r, p, http.StatusBadRequest)
		default:
			return err // ENOTFOUND, or ECONFLICT for a request closed meanwhile: the error page says so
		}
		to := "/operator/requests"
		if rr.Status.Open() {
			to += "/" + rr.ID
		}
		s.redirect(w, r, to, "Request "+rr.ID+" is now "+string(rr.Status)+". The person sees it in their requests.")
		return nil
	}
}

// dueIn says how long is left before a deadline d away.
func dueIn(d time.Duration) string {
	switch {
	case d < 0:
		return "overdue"
	case d < 24*time.Hour:
		return "in " + plural(int(d.Hours()), "hour")
	}
	return "in " + plural(int(d.Hours()/24), "day")
}

// plural writes n things.
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

// firmwarePage is the content of the console's firmware page.
type firmwarePage struct {
	operatorView
	Releases []releaseJSON
	Models   []manifest.NoticeModel
	Keys     int // trusted firmware keys
}

// pageFirmware lists the published releases, with the forms to publish a
// release and to roll one out.
func (s *server) pageFirmware() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		return s.renderFirmware(w, r, p, http.StatusOK)
	}
}

// renderFirmware renders the firmware page with status (a form's error
// already set on p).
func (s *server) renderFirmware(w http.ResponseWriter, r *http.Request, p *web.Page, status int) error {
	if s.Updates == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "firmware updates are not served here")
	}
	rs, err := s.Updates.Releases(r.Context(), "")
	if err != nil {
		return err
	}
	d := firmwarePage{operatorView: operatorView{View: "firmware"}, Models: s.notices().doc.Models, Keys: len(s.FirmwareKeys)}
	for i := range rs {
		d.Releases = append(d.Releases, releaseView(&rs[i]))
	}
	p.Data = d
	return s.render(w, r, status, "operator_firmware", p)
}

// firmwareFailed shows the firmware page again with err beside its field,
// what was typed kept, and err's status; errors that are not about the
// form show the error page.
func (s *server) firmwareFailed(w http.ResponseWriter, r *http.Request, p *web.Page, err error) error {
	switch hearth.ErrorCode(err) {
	case hearth.EINVALID, hearth.ECONFLICT, hearth.EGONE, hearth.EREFUSED, hearth.ETOOLARGE, hearth.ENOTFOUND:
	default:
		return err
	}
	p.SetError(hearth.ErrorField(err), sentence(hearth.ErrorMessage(err)))
	p.Form = r.PostForm
	return s.renderFirmware(w, r, p, statusOf(hearth.ErrorCode(err)))
}

// pagePublishPost publishes a signed release uploaded as two files, the
// metadata `hearth firmware sign` wrote and the image, through the same
// check as POST /v1/operator/firmware/releases.
func (s *server) pagePublishPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if s.Updates == nil {
			return hearth.Errorf(hearth.ENOTFOUND, "firmware updates are not served here")
		}
		md, err := formFile(r, "metadata", firmware.MaxMetadataSize)
		if err != nil {
			return s.firmwareFailed(w, r, p, err)
		}
		img, err := formFile(r, "image", firmware.MaxImageSize)
		if err != nil {
			return s.firmwareFailed(w, r, p, err)
		}
		rel, err := s.publish(r.Context(), md, img)
		if err != nil {
			if hearth.ErrorField(err) == "" {
				err = &hearth.Error{Code: hearth.ErrorCode(err), Field: "metadata", Message: hearth.ErrorMessage(err), Err: err}
			}
			return s.firmwareFailed(w, r, p, err)
		}
		s.redirect(w, r, "/operator/firmware", "Published "+rel.Model+" "+rel.Version+". Roll it out below when you are ready.")
		return nil
	}
}

// formFile reads the file uploaded in field name, at most limit bytes:
// EINVALID for that field when it is missing, empty or too large.
func formFile(r *http.Request, name string, limit int64) ([]byte, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File[name]) == 0 {
		return nil, hearth.FieldError(name, "choose a file")
	}
	fh := r.MultipartForm.File[name][0]
	if fh.Size == 0 {
		return nil, hearth.FieldError(name, "the file is empty")
	}
	if fh.Size > limit {
		return nil, hearth.FieldError(name, "the file is larger than the limit of %d bytes", limit)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return b, nil
}

// pageRolloutPost rolls a release out, through the same service call and
// checks as POST /v1/operator/firmware/rollouts, and says what happened.
func (s *server) pageRolloutPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if s.Updates == nil {
			return hearth.Errorf(hearth.ENOTFOUND, "firmware updates are not served here")
		}
		f := r.PostForm
		req := rolloutRequest{Model: f.Get("model"), Version: strings.TrimSpace(f.Get("version")), Devices: strings.Fields(strings.ReplaceAll(f.Get("devices"), ",", " "))}
		if pct := strings.TrimSpace(f.Get("percent")); pct != "" {
			n, err := strconv.Atoi(pct)
			if err != nil {
				return s.firmwareFailed(w, r, p, hearth.FieldError("percent", "give a whole number from 1 to 100, or leave it empty for every device"))
			}
			req.Percent = n
		}
		for field, problem := range req.Valid(r.Context()) {
			p.SetError(field, sentence(problem))
		}
		if len(p.Errors) > 0 {
			p.Form = f
			return s.renderFirmware(w, r, p, http.StatusBadRequest)
		}
		res, err := s.Updates.Rollout(r.Context(), req.Model, req.Version, updates.Stage{Percent: req.Percent, Devices: req.Devices})
		if err != nil {
			if hearth.ErrorField(err) == "" {
				err = &hearth.Error{Code: hearth.ErrorCode(err), Field: "version", Message: hearth.ErrorMessage(err), Err: err}
			}
			return s.firmwareFailed(w, r, p, err)
		}
		s.redirect(w, r, "/operator/firmware", rolloutSummary(res))
		return nil
	}
}

// rolloutSummary says in a sentence what a rollout did.
func rolloutSummary(res *updates.Rollout) string {
	var sent, pending, skipped int
	for _, o := range res.Devices {
		switch o.Status {
		case hearth.OfferSent:
			sent++
		case hearth.OfferPending:
			pending++
		default:
			skipped++
		}
	}
	return "Rolled out " + res.Model + " " + res.Version + " to " + plural(len(res.Devices), "device") + ": " +
		strconv.Itoa(sent) + " sent, " + strconv.Itoa(pending) + " pending until they connect, " + strconv.Itoa(skipped) +
		" already up to date; " + people(res.Notified) + " told of the change beforehand."
}

// people writes n people.
func people(n int) string {
	if n == 1 {
		return "1 person"
	}
	return strconv.Itoa(n) + " people"
}

// ledgerPage is the content of the ledger verification page.
type ledgerPage struct {
	operatorView
	Ledger  ledgerJSON
	Checked time.Time
}

// pageLedger verifies the consent ledger's hash chain now, as `hearth
// ledger verify` does, and shows the result.
func (s *server) pageLedger() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		v, err := s.ledgerStatus(r.Context())
		if err != nil {
			return err
		}
		p.Data = ledgerPage{operatorView: operatorView{View: "ledger"}, Ledger: v, Checked: time.Now()}
		return s.render(w, r, http.StatusOK, "operator_ledger", p)
	}
}
