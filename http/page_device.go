package http

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/firmware/updates"
	"github.com/hearth-iot/hearth/http/web"
	"github.com/hearth-iot/hearth/lifecycle"
	"github.com/hearth-iot/hearth/manifest"
)

// devicePages registers the device pages: the household's devices,
// claiming one with its privacy information shown first, a device's page
// (what it collects, firmware, support period, repair, transfer, factory
// reset, local-only mode, its log) and accepting a transfer. Each calls
// the service its API route calls, with the same arguments.
func (s *server) devicePages(handle func(pattern string, h http.Handler)) {
	handle("GET /households/{hh}/devices", s.page("devices", s.pageDevices()))
	handle("GET /households/{hh}/devices/new", s.page("devices", s.pageClaim()))
	handle("POST /households/{hh}/devices/new", s.page("devices", s.pageClaimPost()))
	handle("GET /households/{hh}/devices/{id}", s.page("devices", s.pageDevice()))
	handle("POST /households/{hh}/devices/{id}/firmware", s.page("devices", s.pageDeviceAction(s.manualUpdate)))
	handle("POST /households/{hh}/devices/{id}/transfer", s.page("devices", s.pageDeviceAction(s.startTransfer)))
	handle("POST /households/{hh}/devices/{id}/transfer/cancel", s.page("devices", s.pageDeviceAction(s.cancelTransfer)))
	handle("POST /households/{hh}/devices/{id}/mode", s.page("devices", s.pageDeviceAction(s.setMode)))
	handle("POST /households/{hh}/devices/{id}/reset", s.page("devices", s.pageDeviceAction(s.factoryReset)))
	handle("POST /households/{hh}/devices/{id}/remove", s.page("devices", s.pageDeviceAction(s.removeDevice)))
	handle("POST /households/{hh}/devices/{id}/credential", s.page("devices", s.pageDeviceAction(s.reissueCredential)))
	handle("POST /households/{hh}/devices/{id}/credential/revoke", s.page("devices", s.pageDeviceAction(s.revokeCredential)))
	handle("POST /households/{hh}/devices/{id}/erasure", s.page("devices", s.pageEraseDeviceReadings()))
	handle("GET /households/{hh}/transfers", s.page("devices", s.pageTransfers()))
	handle("POST /households/{hh}/transfers", s.page("devices", s.pageAcceptTransfer()))
}

// devicesPage is the content of the household's device list.
type devicesPage struct {
	Household web.NavHousehold
	Devices   []deviceRow
}

// deviceRow is one device as its pages show it.
type deviceRow struct {
	hearth.Device
	ModelName string
}

// householdOf returns the household of the path's {hh} as the navigation
// names it, after the household service checked the caller is a member
// (ENOTFOUND otherwise, as the API answers).
func (s *server) householdOf(r *http.Request) (web.NavHousehold, error) {
	h, err := s.Households.Household(r.Context(), caller(r), r.PathValue("hh"))
	if err != nil {
		return web.NavHousehold{}, err
	}
	return web.NavHousehold{ID: h.ID, Name: h.Name}, nil
}

// pageDevices lists the household's devices (GET
// /v1/households/{hh}/devices).
func (s *server) pageDevices() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		hh, err := s.householdOf(r)
		if err != nil {
			return err
		}
		ds, err := s.Households.Devices(r.Context(), caller(r), hh.ID)
		if err != nil {
			return err
		}
		doc := s.noticeDoc()
		d := devicesPage{Household: hh}
		for _, dev := range ds {
			d.Devices = append(d.Devices, deviceRow{Device: dev, ModelName: doc.modelName(dev.Model)})
		}
		p.Data = d
		return s.render(w, r, http.StatusOK, "devices", p)
	}
}

// noticeDoc is the privacy notice the server publishes at /privacy.json,
// read back: the pages state what the notice states, from the manifest
// the server enforces (NOTICE-CONTENT).
type noticeDoc struct{ manifest.NoticeDoc }

// noticeDoc returns the published notice; an empty one when the server
// serves none.
func (s *server) noticeDoc() noticeDoc {
	var d noticeDoc
	if b := s.notices().json; b != nil {
		_ = json.Unmarshal(b, &d.NoticeDoc) // rendered by NewNotices from the same type: cannot fail
	}
	return d
}

// modelName returns a model's name, or its ID when the notice has none.
func (d noticeDoc) modelName(id string) string {
	for _, m := range d.Models {
		if m.ID == id {
			return m.Name
		}
	}
	return id
}

// lifetime returns a model's expected service lifetime in words.
func (d noticeDoc) lifetime(id string) string {
	for _, m := range d.Models {
		if m.ID == id {
			return m.ServiceLifetime
		}
	}
	return ""
}

// modelPrivacy is what one device model collects, as the notice states it.
type modelPrivacy struct {
	ID, Name string
	Uses     []dataUse
}

// dataUse is one category a model collects and one purpose it is used
// for: the rows of the "what it collects" tables.
type dataUse struct {
	Category    string // its name
	Description string // what the category is
	Fields      []string
	Purpose     string
	Why         string // the purpose's description
	Basis       string // the lawful basis in plain language
	Condition   string // the Art 9 condition, for special category data
	Optional    bool   // on consent: off until the person agrees
	Retention   string
	Recipients  []string // who receives the category for the purpose
}

// models returns what each model collects, for which purposes, on which
// basis, kept how long and shared with whom.
func (d noticeDoc) models() []modelPrivacy {
	var out []modelPrivacy
	for _, m := range d.Models {
		out = append(out, d.model(m))
	}
	return out
}

// model returns what model m collects.
func (d noticeDoc) model(m manifest.NoticeModel) modelPrivacy {
	mp := modelPrivacy{ID: m.ID, Name: m.Name}
	for _, ref := range m.Categories {
		c := d.category(ref.ID)
		for _, p := range d.Purposes {
			if !hasRef(p.Categories, ref.ID) {
				continue
			}
			mp.Uses = append(mp.Uses, dataUse{Category: c.Name, Description: c.Description, Fields: c.Fields,
				Purpose: p.Name, Why: p.Description, Basis: p.BasisText, Condition: p.Condition, Optional: p.Optional,
				Retention: c.Retention, Recipients: d.recipients(p, ref.ID)})
		}
	}
	return mp
}

// modelOf returns what the model with ID id collects.
func (d noticeDoc) modelOf(id string) modelPrivacy {
	for _, m := range d.Models {
		if m.ID == id {
			return d.model(m)
		}
	}
	return modelPrivacy{ID: id, Name: id}
}

func (d noticeDoc) category(id string) manifest.NoticeCategory {
	for _, c := range d.Categories {
		if c.ID == id {
			return c
		}
	}
	return manifest.NoticeCategory{NoticeRef: manifest.NoticeRef{ID: id, Name: id}}
}

// recipients names the recipients of purpose p that receive category.
func (d noticeDoc) recipients(p manifest.NoticePurpose, category string) []string {
	var names []string
	for _, r := range d.Recipients {
		if hasRef(p.Recipients, r.ID) && hasRef(r.Categories, category) {
			names = append(names, r.Name+" ("+r.RoleText+")")
		}
	}
	return names
}

func hasRef(refs []manifest.NoticeRef, id string) bool {
	return slices.ContainsFunc(refs, func(r manifest.NoticeRef) bool { return r.ID == id })
}

// claimPage is the content of the claim page: the household and what
// each model collects, shown before the device is added.
type claimPage struct {
	Household  web.NavHousehold
	Controller manifest.Controller
	Models     []modelPrivacy
}

// pageClaim shows the claim form with the product's privacy information:
// what each model collects, why, on which basis, for how long and who
// receives it (NOTICE-LAYERED, CONSENT-MOMENTS: at set-up).
func (s *server) pageClaim() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		return s.renderClaim(w, r, p, http.StatusOK, nil)
	}
}

// renderClaim renders the claim page with status, or, when err is a
// failed claim, the form again with the error beside the code.
func (s *server) renderClaim(w http.ResponseWriter, r *http.Request, p *web.Page, status int, err error) error {
	hh, herr := s.householdOf(r)
	if herr != nil {
		return herr
	}
	doc := s.noticeDoc()
	p.Data = claimPage{Household: hh, Controller: doc.Controller, Models: doc.models()}
	if err != nil {
		return s.formFailed(w, r, p, "device_claim", err)
	}
	return s.render(w, r, status, "device_claim", p)
}

// pageClaimPost claims a device with its one-time code, as POST
// /v1/households/{hh}/devices does, and goes to its page.
func (s *server) pageClaimPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		hh := r.PathValue("hh")
		d, err := s.Households.ClaimDevice(r.Context(), caller(r), hh, r.PostForm.Get("code"))
		if err != nil {
			return s.renderClaim(w, r, p, 0, err)
		}
		s.redirect(w, r, devicePath(hh, d.ID), "The device is now in your household. "+
			"What it collects for optional uses stays off until each person agrees on their consent page.")
		return nil
	}
}

func devicePath(hh, id string) string { return "/households/" + hh + "/devices/" + id }

// devicePage is the content of a device's page.
type devicePage struct {
	Household web.NavHousehold
	Device    deviceRow
	Me        string // the caller's person ID
	Owner     bool   // the caller owns the household: the forms are shown
	Collects  modelPrivacy
	Lifetime  string // the expected service lifetime in words ("10 years"); "" if none is declared
	Support   *updates.Support
	Firmware  *updates.Status
	Log       []logRow
	// TransferUntil is when the waiting transfer code stops working;
	// zero when none waits.
	TransferUntil time.Time
	Started       *lifecycle.Started // a transfer just started: its code, shown once
	NewSecret     string             // a credential just reissued: its secret, shown once
	KeptKeep      string             // what a reset keeps, readings kept
	KeptErase     string             // what a reset keeps, readings erased
	TransferTTL   time.Duration      // how long a transfer code works
	LogRetention  time.Duration      // how long the device log keeps an entry
}

// logRow is a device log entry in words.
type logRow struct {
	Time            time.Time
	Action, Outcome string
	Who             string
}

// pageDevice shows a device of the household; a device no longer in it
// shows an owner how to erase the readings it sent.
func (s *server) pageDevice() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		d, err := s.devicePage(r)
		if err != nil {
			return s.deviceGone(w, r, p, err)
		}
		p.Data = d
		return s.render(w, r, http.StatusOK, "device", p)
	}
}

// devicePage gathers a device's page from the services of its API
// routes: the household's device list, the firmware status and support
// period, and (for owners) the device log.
func (s *server) devicePage(r *http.Request) (*devicePage, error) {
	ctx, me := r.Context(), caller(r)
	hh, err := s.householdOf(r)
	if err != nil {
		return nil, err
	}
	dev, err := s.deviceIn(r)
	if err != nil {
		return nil, err
	}
	doc := s.noticeDoc()
	d := &devicePage{Household: hh, Me: me, Device: deviceRow{Device: *dev, ModelName: doc.modelName(dev.Model)},
		Collects: doc.modelOf(dev.Model), Lifetime: doc.lifetime(dev.Model), KeptKeep: lifecycle.Kept(lifecycle.KeepReadings), KeptErase: lifecycle.Kept(lifecycle.EraseReadings),
		TransferTTL: lifecycle.TransferTTL, LogRetention: lifecycle.LogRetention}
	if s.Updates != nil {
		d.Support, _ = s.Updates.SupportOf(dev.Model)
		if d.Firmware, err = s.Updates.StatusOf(ctx, me, dev.ID); err != nil {
			return nil, err
		}
	}
	if d.Owner, err = s.isOwner(r, hh.ID); err != nil || !d.Owner || s.Lifecycle == nil {
		return d, err
	}
	l, err := s.Lifecycle.Log(ctx, me, dev.ID)
	if err != nil {
		return nil, err
	}
	d.TransferUntil = l.TransferUntil
	d.Log, err = s.logRows(r, hh.ID, l.Entries)
	return d, err
}

// deviceIn returns the path's device {id} if it is in the household {hh}
// as the caller's device list shows it: ENOTFOUND otherwise, so an ID
// changed in a form or a link reaches nothing.
func (s *server) deviceIn(r *http.Request) (*hearth.Device, error) {
	ds, err := s.Households.Devices(r.Context(), caller(r), r.PathValue("hh"))
	if err != nil {
		return nil, err
	}
	for i := range ds {
		if ds[i].ID == r.PathValue("id") {
			return &ds[i], nil
		}
	}
	return nil, hearth.Errorf(hearth.ENOTFOUND, "no such device is in this household (it may have left it already); nothing was changed")
}

// isOwner reports whether the caller is an owner of household hh, from
// its member list.
func (s *server) isOwner(r *http.Request, hh string) (bool, error) {
	ms, err := s.Households.Members(r.Context(), caller(r), hh)
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if m.PersonID == caller(r) {
			return m.Role == hearth.RoleOwner, nil
		}
	}
	return false, nil
}

// logRows puts the device log in words, naming the members who acted.
func (s *server) logRows(r *http.Request, hh string, es []hearth.DeviceLogEntry) ([]logRow, error) {
	ms, err := s.Households.Members(r.Context(), caller(r), hh)
	if err != nil {
		return nil, err
	}
	names := map[string]string{caller(r): "You"}
	for _, m := range ms {
		if names[m.PersonID] == "" {
			names[m.PersonID] = m.DisplayName
		}
	}
	rows := make([]logRow, 0, len(es))
	for i := len(es) - 1; i >= 0; i-- { // newest first
		e := es[i]
		who := "The device itself"
		if e.PersonID != "" {
			who = names[e.PersonID]
			if who == "" {
				who = "Someone no longer in the household"
			}
		}
		rows = append(rows, logRow{Time: e.Time, Action: words(logActions, e.Action), Outcome: words(logOutcomes, e.Outcome), Who: who})
	}
	return rows, nil
}

// words returns code in words, or code itself when it has none.
func words(m map[string]string, code string) string {
	if w, ok := m[code]; ok {
		return w
	}
	return code
}

var logActions = map[string]string{
	hearth.ActionTransferStarted:  "Transfer started",
	hearth.ActionTransferAccepted: "Transfer accepted",
	hearth.ActionTransferRefused:  "Transfer code refused",
	hearth.ActionTransferCanceled: "Transfer withdrawn",
	hearth.ActionFactoryReset:     "Factory reset",
	hearth.ActionResetRefused:     "Factory reset refused",
	hearth.ActionModeChanged:      "Connection mode changed",
	hearth.ActionCommandRefused:   "The device refused a command",
	hearth.ActionReadingsErased:   "Readings erased",
}

var logOutcomes = map[string]string{
	"done":          "Done",
	"sent":          "Sent to the device",
	"not-delivered": "Not delivered: the device was not connected",
	"not-owner":     "Refused: not an owner",
	"code-used":     "Refused: the code had been used",
	"code-expired":  "Refused: the code had expired",
	"current-owner": "Refused: the household owns the device already",
	"device-moved":  "Refused: the device had left the household",
	"erase-failed":  "Done, but the erasure did not complete",
}

// deviceLeftPage is the content of the page of a device that is not in
// the household (any more).
type deviceLeftPage struct {
	Household web.NavHousehold
	DeviceID  string
	Erased    *int64 // readings just erased
}

// deviceGone shows an owner the page of a device that is not in the
// household, where they can erase the readings it sent to it; anyone else
// gets err (not found).
func (s *server) deviceGone(w http.ResponseWriter, r *http.Request, p *web.Page, err error) error {
	if hearth.ErrorCode(err) != hearth.ENOTFOUND || s.Lifecycle == nil {
		return err
	}
	hh, herr := s.householdOf(r)
	if herr != nil {
		return herr
	}
	if owner, oerr := s.isOwner(r, hh.ID); oerr != nil || !owner {
		return err
	}
	p.Data = deviceLeftPage{Household: hh, DeviceID: r.PathValue("id")}
	return s.render(w, r, http.StatusOK, "device_left", p)
}

// pageEraseDeviceReadings erases the readings a device that left the
// household sent to it, as POST /v1/households/{hh}/devices/{id}/erasure
// does (with the password).
func (s *server) pageEraseDeviceReadings() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if s.Lifecycle == nil {
			return errNoLifecycle
		}
		hh, err := s.householdOf(r)
		if err != nil {
			return err
		}
		id := r.PathValue("id")
		n, err := s.Lifecycle.EraseReadings(r.Context(), caller(r), hh.ID, id, r.PostForm.Get("password"))
		p.Data = deviceLeftPage{Household: hh, DeviceID: id}
		if err != nil {
			return s.formFailed(w, r, p, "device_left", err)
		}
		s.redirect(w, r, "/households/"+hh.ID+"/devices", fmt.Sprintf("%d readings from device %s were erased.", n, id))
		return nil
	}
}

// errNoLifecycle answers the lifecycle forms of a server without the
// lifecycle service, as its API routes answer 404.
var errNoLifecycle = hearth.Errorf(hearth.ENOTFOUND, "device transfers, resets and modes are not served here")

// deviceAction carries out one form of a device's page for device dev:
// it returns where to go with a flash message, or renders a page itself
// (done true), or fails with an error shown beside its field.
type deviceAction func(w http.ResponseWriter, r *http.Request, p *web.Page, d *devicePage) (to, flash string, done bool, err error)

// pageDeviceAction serves a form of a device's page: the device must be
// in the path's household (a changed ID reaches nothing); a failure shows
// the device's page again with the error beside its field.
func (s *server) pageDeviceAction(act deviceAction) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		d, err := s.devicePage(r)
		if err != nil {
			return err
		}
		p.Data = d
		to, flash, done, err := act(w, r, p, d)
		switch {
		case err != nil:
			return s.formFailed(w, r, p, "device", err)
		case !done:
			s.redirect(w, r, to, flash)
		}
		return nil
	}
}

// manualUpdate updates the device by hand (POST
// /v1/devices/{id}/firmware/update); an empty version is the latest.
func (s *server) manualUpdate(w http.ResponseWriter, r *http.Request, p *web.Page, d *devicePage) (string, string, bool, error) {
	if s.Updates == nil {
		return "", "", false, hearth.Errorf(hearth.ENOTFOUND, "firmware updates are not served here")
	}
	v := strings.TrimSpace(r.PostForm.Get("version"))
	if msg := (manualUpdateRequest{Version: v}).Valid(r.Context())["version"]; msg != "" {
		return "", "", false, hearth.FieldError("version", "%s", msg)
	}
	o, err := s.Updates.ManualUpdate(r.Context(), caller(r), d.Device.ID, v)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND { // the device is there: the release is not
		err = &hearth.Error{Code: hearth.EINVALID, Field: "version", Message: hearth.ErrorMessage(err), Err: err}
	}
	if err != nil {
		return "", "", false, err
	}
	msg := "The update was sent to the device; it checks it before it installs it."
	if o.Status != hearth.OfferSent {
		msg = "The device is not connected: the update will be sent when it connects, if its release has not expired by then."
	}
	return devicePath(d.Household.ID, d.Device.ID), msg, false, nil
}

// startTransfer starts the device's transfer (POST
// /v1/devices/{id}/transfer) and shows its one-time code once, on the
// device's page.
func (s *server) startTransfer(w http.ResponseWriter, r *http.Request, p *web.Page, d *devicePage) (string, string, bool, error) {
	if s.Lifecycle == nil {
		return "", "", false, errNoLifecycle
	}
	st, err := s.Lifecycle.StartTransfer(r.Context(), caller(r), d.Device.ID, r.PostForm.Get("readings"), r.PostForm.Get("password"))
	if err != nil {
		return "", "", false, err
	}
	if d, err = s.devicePage(r); err != nil { // again, with the transfer in its log
		return "", "", false, err
	}
	d.Started, d.TransferUntil = st, st.Expires
	p.Data = d
	p.Flash = "The transfer has started. Give the new owner the code below: it is shown only now."
	return "", "", true, s.render(w, r, http.StatusCreated, "device", p)
}

// cancelTransfer withdraws the device's waiting transfer (DELETE
// /v1/devices/{id}/transfer).
func (s *server) cancelTransfer(w http.ResponseWriter, r *http.Request, p *web.Page, d *devicePage) (string, string, bool, error) {
	if s.Lifecycle == nil {
		return "", "", false, errNoLifecycle
	}
	if err := s.Lifecycle.CancelTransfer(r.Context(), caller(r), d.Device.ID); err != nil {
		if hearth.ErrorCode(err) == hearth.ENOTFOUND {
			err = &hearth.Error{Code: hearth.ECONFLICT, Field: "cancel", Message: hearth.ErrorMessage(err), Err: err}
		}
		return "", "", false, err
	}
	return devicePath(d.Household.ID, d.Device.ID), "The transfer was withdrawn: its code no longer works.", false, nil
}

// setMode switches the device's link to the backend (PUT
// /v1/devices/{id}/mode).
func (s *server) setMode(w http.ResponseWriter, r *http.Request, p *web.Page, d *devicePage) (string, string, bool, error) {
	if s.Lifecycle == nil {
		return "", "", false, errNoLifecycle
	}
	m, err := s.Lifecycle.SetMode(r.Context(), caller(r), d.Device.ID, hearth.DeviceMode(r.PostForm.Get("mode")))
	if err != nil {
		return "", "", false, err
	}
	msg := "The device is connected to the service again. If you switched it to local-only on the device too, switch it back there."
	if m.Mode == hearth.ModeLocalOnly {
		msg = "The device is now local-only: the service refuses its connection and stores nothing from it."
		if m.Command != nil && !m.Command.Delivered {
			msg += " It was not connected, so switch it to local-only on the device itself too."
		}
	}
	return devicePath(d.Household.ID, d.Device.ID), msg, false, nil
}

// removeDevice takes the device out of the household, as DELETE
// /v1/households/{hh}/devices/{id} does: owners only, its credential
// revoked and its session ended; the readings it sent stay.
func (s *server) removeDevice(w http.ResponseWriter, r *http.Request, p *web.Page, d *devicePage) (string, string, bool, error) {
	if err := s.Households.RemoveDevice(r.Context(), caller(r), d.Household.ID, d.Device.ID); err != nil {
		return "", "", false, ownerField(err, "remove")
	}
	return "/households/" + d.Household.ID + "/devices", "The device was removed from the household. Its readings stay with the household.", false, nil
}

// reissueCredential gives the device a new secret, as POST
// /v1/devices/{id}/credential does (owners only), and shows it once.
func (s *server) reissueCredential(w http.ResponseWriter, r *http.Request, p *web.Page, d *devicePage) (string, string, bool, error) {
	secret, err := s.Households.ReissueCredential(r.Context(), caller(r), d.Device.ID)
	if err != nil {
		return "", "", false, ownerField(err, "credential")
	}
	d.NewSecret = secret
	return "", "", true, s.render(w, r, http.StatusCreated, "device", p)
}

// revokeCredential stops the device's secret from working, as DELETE
// /v1/devices/{id}/credential does (owners only).
func (s *server) revokeCredential(w http.ResponseWriter, r *http.Request, p *web.Page, d *devicePage) (string, string, bool, error) {
	if err := s.Households.RevokeCredential(r.Context(), caller(r), d.Device.ID); err != nil {
		return "", "", false, ownerField(err, "credential")
	}
	return devicePath(d.Household.ID, d.Device.ID), "The device's secret no longer works and its connection was closed. Give it a new secret to connect it again.", false, nil
}

// ownerField puts a refusal of a member who is not an owner beside the
// form's field, so the device's page shows it there.
func ownerField(err error, field string) error {
	if hearth.ErrorCode(err) == hearth.EFORBIDDEN {
		return &hearth.Error{Code: hearth.EFORBIDDEN, Field: field, Message: hearth.ErrorMessage(err), Err: err}
	}
	return err
}

// resetPage is the content of the page after a factory reset.
type resetPage struct {
	Household web.NavHousehold
	Device    deviceRow
	Reset     *lifecycle.Reset
}

// factoryReset resets the device from the account (POST
// /v1/devices/{id}/reset) and says what happened and what the backend
// kept.
func (s *server) factoryReset(w http.ResponseWriter, r *http.Request, p *web.Page, d *devicePage) (string, string, bool, error) {
	if s.Lifecycle == nil {
		return "", "", false, errNoLifecycle
	}
	res, err := s.Lifecycle.FactoryReset(r.Context(), caller(r), d.Device.ID, r.PostForm.Get("readings"), r.PostForm.Get("password"))
	if err != nil {
		return "", "", false, err
	}
	p.Data = resetPage{Household: d.Household, Device: d.Device, Reset: res}
	return "", "", true, s.render(w, r, http.StatusOK, "device_reset", p)
}

// transfersPage is the content of the page where a transfer is accepted.
type transfersPage struct {
	Household web.NavHousehold
	Accepted  *lifecycle.Accepted // a transfer just accepted: the device's new secret, shown once
	ModelName string
}

// pageTransfers shows the form to accept a transfer.
func (s *server) pageTransfers() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		hh, err := s.householdOf(r)
		if err != nil {
			return err
		}
		p.Data = transfersPage{Household: hh}
		return s.render(w, r, http.StatusOK, "transfers", p)
	}
}

// pageAcceptTransfer accepts a transfer with its code (POST
// /v1/households/{hh}/transfers) and shows the device's new secret once.
func (s *server) pageAcceptTransfer() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if s.Lifecycle == nil {
			return errNoLifecycle
		}
		hh, err := s.householdOf(r)
		if err != nil {
			return err
		}
		d := transfersPage{Household: hh}
		p.Data = d
		a, err := s.Lifecycle.AcceptTransfer(r.Context(), caller(r), hh.ID, r.PostForm.Get("code"))
		if err != nil {
			return s.formFailed(w, r, p, "transfers", err)
		}
		d.Accepted, d.ModelName = a, s.noticeDoc().modelName(a.Device.Model)
		p.Data = d
		p.Flash = "The device is now in your household."
		return s.render(w, r, http.StatusCreated, "transfers", p)
	}
}
