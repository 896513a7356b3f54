package http

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/http/web"
	"github.com/hearth-iot/hearth/rights"
	"github.com/hearth-iot/hearth/subject"
)

// dashboardPages registers the privacy dashboard: what happens to a
// person's data, the feature switches with their just-in-time notices
// (CONSENT-MOMENTS), the location setting, restriction, objection, the
// marketing switch, automated decisions (RIGHT-RESTRICT, RIGHT-OBJECT,
// RIGHT-OBJECT-MKT, RIGHT-ADM) and periodic deletion (RETENTION).
func (s *server) dashboardPages(handle func(pattern string, h http.Handler)) {
	handle("GET /households/{hh}/people/{person}/privacy", s.page("home", s.forPersonPage("privacy", s.pageDashboard())))
	handle("GET /households/{hh}/people/{person}/features/{feature}", s.page("home", s.forPersonPage("privacy", s.pageFeature())))
	handle("POST /households/{hh}/people/{person}/features/{feature}", s.page("home", s.forPersonPage("privacy", s.pageFeaturePost())))
	handle("POST /households/{hh}/people/{person}/privacy/location", s.page("home", s.forPersonPage("privacy", s.pageLocationPost())))
	handle("POST /households/{hh}/people/{person}/privacy/restrictions", s.page("home", s.forPersonPage("privacy", s.pageRestrictPost())))
	handle("POST /households/{hh}/people/{person}/privacy/objections", s.page("home", s.forPersonPage("privacy", s.pageObjectPost())))
	handle("POST /households/{hh}/people/{person}/privacy/objections/marketing", s.page("home", s.forPersonPage("privacy", s.pageMarketingPost())))
	handle("POST /households/{hh}/people/{person}/privacy/automated-decisions/{purpose}", s.page("home", s.forPersonPage("privacy", s.pageOptOutADMPost())))
	handle("POST /households/{hh}/people/{person}/privacy/automated-decisions/{purpose}/review", s.page("home", s.forPersonPage("privacy", s.pageReviewPost())))
	handle("POST /households/{hh}/people/{person}/privacy/deletion-schedules/{category}", s.page("home", s.forPersonPage("privacy", s.pageSchedulePost())))
}

// dashboardPage is the content of the privacy dashboard.
type dashboardPage struct {
	Person   personPage
	Base     string // the person's path, /households/{hh}/people/{person}
	Devices  []deviceUse
	Overview subject.Overview
	Controls rights.Controls
	Purposes []purposeControl
	// Schedules is the periodic deletion per category ID; "off" for none.
	Schedules map[string]hearth.DeletionPeriod
	Periods   []hearth.DeletionPeriod
	// Shares are, per category ID, the names of the members the person
	// shared it with (GET {p}/shares).
	Shares map[string][]string
	// Failed names the form whose errors the page shows again, such as
	// "restrict:all" or "schedule:humidity"; "" when none failed.
	Failed string
}

// deviceUse is one of the household's devices and the categories its
// model produces.
type deviceUse struct {
	ID, Model  string
	LocalOnly  bool
	Categories []subject.CategoryUse
}

// purposeControl is a purpose with the rights the person exercised over it.
type purposeControl struct {
	rights.PurposeControls
	Restricted, Objected, OptedOut bool
}

// whose is the possessive of the person a page is about, for its
// sentences: "your", or "Kid's" for a guardian.
func whose(pp personPage) string {
	if pp.Self {
		return "your"
	}
	return pp.PersonName + "'s"
}

// whom is the person a page is about as an object: "you", or their name.
func whom(pp personPage) string {
	if pp.Self {
		return "you"
	}
	return pp.PersonName
}

// personBase returns the path of a person's pages.
func personBase(pp personPage) string {
	return "/households/" + url.PathEscape(pp.Household.ID) + "/people/" + url.PathEscape(pp.PersonID)
}

// pageDashboard shows the privacy dashboard.
func (s *server) pageDashboard() personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		return s.renderDashboard(w, r, p, pp, http.StatusOK, "")
	}
}

// renderDashboard renders the dashboard with status, showing the errors of
// the form failed (see dashboardPage.Failed).
func (s *server) renderDashboard(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage, status int, failed string) error {
	d, err := s.dashboard(r, pp)
	if err != nil {
		return err
	}
	d.Failed = failed
	if failed != "" && !d.hasForm(failed) {
		// A form the page does not show (a tampered purpose, or one
		// that gives no such right): its error goes above the page.
		for _, msg := range p.Errors {
			p.SetError("", msg)
		}
	}
	p.Title = "Privacy dashboard"
	p.Data = d
	return s.render(w, r, status, "dashboard", p)
}

// dashboard gathers the dashboard's content from the services the API's
// routes call: GET {p}/privacy, {p}/controls, {p}/deletion-schedules and
// the household's devices.
func (s *server) dashboard(r *http.Request, pp personPage) (dashboardPage, error) {
	ctx, hh, person := r.Context(), pp.Household.ID, pp.PersonID
	d := dashboardPage{Person: pp, Base: personBase(pp), Schedules: map[string]hearth.DeletionPeriod{},
		Periods: []hearth.DeletionPeriod{hearth.DeleteWeekly, hearth.DeleteMonthly, hearth.DeleteYearly}}
	var err error
	if d.Overview, err = s.Subjects.Overview(ctx, caller(r), hh, person); err != nil {
		return d, err
	}
	devs, err := s.Households.Devices(ctx, caller(r), hh)
	if err != nil {
		return d, err
	}
	for _, dev := range devs {
		d.Devices = append(d.Devices, s.deviceUse(&d.Overview, dev))
	}
	if s.Rights != nil {
		if d.Controls, err = s.Rights.Controls(ctx, caller(r), hh, person); err != nil {
			return d, err
		}
		for _, pc := range d.Controls.Purposes {
			d.Purposes = append(d.Purposes, purposeControl{PurposeControls: pc, Restricted: slices.Contains(d.Controls.Restricted, pc.ID),
				Objected: slices.Contains(d.Controls.Objected, pc.ID), OptedOut: slices.Contains(d.Controls.ADMOptOut, pc.ID)})
		}
	}
	if d.Shares, err = s.sharedWith(r, pp); err != nil {
		return d, err
	}
	if s.Erasure != nil {
		ds, err := s.Erasure.Schedules(ctx, caller(r), hh, person)
		if err != nil {
			return d, err
		}
		for _, sc := range ds {
			d.Schedules[sc.Category] = sc.Period
		}
	}
	return d, nil
}

// sharedWith returns, per category, the names of the members the person
// shared it with, from the shares GET {p}/shares lists.
func (s *server) sharedWith(r *http.Request, pp personPage) (map[string][]string, error) {
	shares, err := s.Consents.Shares(r.Context(), pp.Household.ID, pp.PersonID)
	if err != nil || len(shares) == 0 {
		return nil, err
	}
	members, err := s.Households.Members(r.Context(), caller(r), pp.Household.ID)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, sh := range shares {
		name := sh.With
		for _, m := range members {
			if m.PersonID == sh.With {
				name = m.DisplayName
			}
		}
		out[sh.Category] = append(out[sh.Category], name)
	}
	return out, nil
}

// hasForm reports whether the dashboard shows the form named key (see
// Failed).
func (d *dashboardPage) hasForm(key string) bool {
	kind, id, _ := strings.Cut(key, ":")
	switch kind {
	case "marketing":
		return true
	case "location":
		return len(d.Overview.LocationChoices) > 0
	case "schedule":
		return slices.ContainsFunc(d.Overview.Categories, func(c subject.CategoryUse) bool { return c.ID == id })
	case "restrict":
		if id == "all" {
			return true
		}
	}
	return slices.ContainsFunc(d.Purposes, func(pc purposeControl) bool {
		switch kind {
		case "restrict":
			return pc.ID == id
		case "object":
			return pc.ID == id && pc.Objectable
		case "adm", "review":
			return pc.ID == id && pc.Automated
		}
		return false
	})
}

// deviceUse returns dev with its model's name and categories.
func (s *server) deviceUse(o *subject.Overview, dev hearth.Device) deviceUse {
	u := deviceUse{ID: dev.ID, Model: dev.Model, LocalOnly: dev.Mode == hearth.ModeLocalOnly}
	for _, m := range o.Models {
		if m.ID != dev.Model {
			continue
		}
		u.Model = m.Name
		for _, c := range o.Categories {
			if slices.Contains(m.Categories, c.ID) {
				u.Categories = append(u.Categories, c)
			}
		}
	}
	return u
}

// dashboardFailed shows the dashboard again after the form named failed
// failed with err: its error beside its fields, with the status of the
// error; other errors show the error page (as formFailed).
func (s *server) dashboardFailed(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage, failed string, err error) error {
	switch hearth.ErrorCode(err) {
	case hearth.EINVALID, hearth.ECONFLICT, hearth.EGONE, hearth.ETOOMANY, hearth.EREFUSED, hearth.EFORBIDDEN:
	default:
		return err
	}
	field := hearth.ErrorField(err)
	if hearth.ErrorCode(err) == hearth.EFORBIDDEN && field != "password" {
		return err
	}
	if after, ok := isRetryAfter(err); ok {
		w.Header().Set("Retry-After", after)
	}
	if field == "" {
		field = "form"
	}
	p.SetError(field, sentence(hearth.ErrorMessage(err)))
	p.Form = r.PostForm
	p.Form.Del("password")
	s.Metrics.Errors.WithLabelValues(hearth.ErrorCode(err)).Inc()
	return s.renderDashboard(w, r, p, pp, statusOf(hearth.ErrorCode(err)), failed)
}

// onOff reads a form's switch field: "on" or "off"; ok is false for
// anything else.
func onOff(v string) (on, ok bool) {
	switch v {
	case "on":
		return true, true
	case "off":
		return false, true
	}
	return false, false
}

// pageChange returns the rights change of a dashboard form: the caller,
// the person of the path and the password typed.
func pageChange(r *http.Request) rights.Change {
	return change(r, r.PostForm.Get("password"))
}

// switchForm reads the on/off field name of a rights form and checks the
// password was typed, as the API's validation does; the error names the
// field.
func switchForm(r *http.Request, name string) (bool, error) {
	on, ok := onOff(r.PostForm.Get(name))
	if !ok {
		return false, hearth.FieldError(name, "choose on or off")
	}
	if r.PostForm.Get("password") == "" {
		return false, hearth.FieldError("password", "enter your password again to confirm it is you")
	}
	return on, nil
}

// rightsSwitch is one of the dashboard's on/off rights forms: the field
// that carries on or off, the form to show an error in, the rights service
// call it makes as its API route does, the section to return to, and what
// to say after.
type rightsSwitch struct {
	field  string
	form   func(r *http.Request) string
	apply  func(r *http.Request, on bool) error
	anchor string
	done   func(pp personPage, on bool) string
}

// pageSwitchPost serves a rights switch: the on/off field and the password
// checked, the change made as a rights request, or the error shown in its
// form.
func (s *server) pageSwitchPost(sw rightsSwitch) personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		on, err := switchForm(r, sw.field)
		if err == nil {
			err = s.needRights()
		}
		if err == nil {
			err = sw.apply(r, on)
		}
		if err != nil {
			return s.dashboardFailed(w, r, p, pp, sw.form(r), err)
		}
		s.redirect(w, r, personBase(pp)+"/privacy#"+sw.anchor, sw.done(pp, on))
		return nil
	}
}

// pageRestrictPost restricts or lifts the restriction of one purpose, or
// of all processing, as POST {p}/restrictions does (RIGHT-RESTRICT).
func (s *server) pageRestrictPost() personPageFunc {
	return s.pageSwitchPost(rightsSwitch{field: "restrict", anchor: "controls",
		form: func(r *http.Request) string {
			if p := r.PostForm.Get("purpose"); p != "" {
				return "restrict:" + p
			}
			return "restrict:all"
		},
		apply: func(r *http.Request, on bool) error {
			_, _, err := s.Rights.Restrict(r.Context(), pageChange(r), r.PostForm.Get("purpose"), on)
			return err
		},
		done: func(pp personPage, on bool) string {
			if on {
				return "Restricted: " + whose(pp) + " data is kept and not used for it."
			}
			return "The restriction is lifted."
		}})
}

// pageObjectPost records or withdraws an objection to a purpose, as POST
// {p}/objections does (RIGHT-OBJECT).
func (s *server) pageObjectPost() personPageFunc {
	return s.pageSwitchPost(rightsSwitch{field: "object", anchor: "controls",
		form: func(r *http.Request) string { return "object:" + r.PostForm.Get("purpose") },
		apply: func(r *http.Request, on bool) error {
			purpose := r.PostForm.Get("purpose")
			if purpose == "" {
				return hearth.FieldError("purpose", "name the purpose you object to")
			}
			_, _, err := s.Rights.Object(r.Context(), pageChange(r), purpose, on)
			return err
		},
		done: func(pp personPage, on bool) string {
			if on {
				return "The objection is recorded: that purpose no longer uses " + whose(pp) + " data."
			}
			return "The objection is withdrawn."
		}})
}

// pageMarketingPost turns the one switch against marketing and advertising
// on or off, as POST {p}/objections/marketing does (RIGHT-OBJECT-MKT).
func (s *server) pageMarketingPost() personPageFunc {
	return s.pageSwitchPost(rightsSwitch{field: "object", anchor: "marketing",
		form: func(*http.Request) string { return "marketing" },
		apply: func(r *http.Request, on bool) error {
			_, _, err := s.Rights.ObjectMarketing(r.Context(), pageChange(r), on)
			return err
		},
		done: func(pp personPage, on bool) string {
			if on {
				return "The objection is recorded: no marketing or advertising uses " + whose(pp) + " data."
			}
			return "The objection to marketing is withdrawn."
		}})
}

// pageOptOutADMPost opts out of, or back into, a purpose's solely
// automated decisions, as POST {p}/automated-decisions/{purpose} does
// (RIGHT-ADM).
func (s *server) pageOptOutADMPost() personPageFunc {
	return s.pageSwitchPost(rightsSwitch{field: "opt_out", anchor: "decisions",
		form: func(r *http.Request) string { return "adm:" + r.PathValue("purpose") },
		apply: func(r *http.Request, on bool) error {
			_, _, err := s.Rights.OptOutADM(r.Context(), pageChange(r), r.PathValue("purpose"), on)
			return err
		},
		done: func(pp personPage, on bool) string {
			if on {
				return "Opted out: no solely automated decision of this kind is made about " + whom(pp) + "."
			}
			return "The opt-out is withdrawn: these decisions are made automatically again."
		}})
}

// pageReviewPost asks for a human review of a purpose's automated
// decisions, as POST {p}/automated-decisions/{purpose}/review does
// (RIGHT-ADM).
func (s *server) pageReviewPost() personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		purpose := r.PathValue("purpose")
		var err error
		if r.PostForm.Get("password") == "" {
			err = hearth.FieldError("password", "enter your password again to confirm it is you")
		}
		if err == nil {
			err = s.needRights()
		}
		var rr *hearth.RightsRequest
		if err == nil {
			rr, err = s.Rights.RequestReview(r.Context(), pageChange(r), purpose, r.PostForm.Get("view"))
		}
		if err != nil {
			return s.dashboardFailed(w, r, p, pp, "review:"+purpose, err)
		}
		s.redirect(w, r, personBase(pp)+"/privacy#decisions",
			"Your request for a human review is recorded in the operators' queue. The answer is due by "+rr.Deadline.UTC().Format("2 January 2006")+".")
		return nil
	}
}

// needRights returns ENOTFOUND when the rights service is not served, as
// the API's routes answer.
func (s *server) needRights() error {
	if s.Rights == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "rights requests are not served here")
	}
	return nil
}

// pageSchedulePost sets or ends the periodic deletion of a category, as
// PUT {p}/deletion-schedules/{category} does (RETENTION).
func (s *server) pageSchedulePost() personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		category, period := r.PathValue("category"), r.PostForm.Get("period")
		var err error = hearth.Errorf(hearth.ENOTFOUND, "erasure is not served here")
		if s.Erasure != nil {
			err = nil
			if period == "" {
				err = hearth.FieldError("period", "choose weekly, monthly, yearly or off")
			}
		}
		if err == nil {
			err = s.Erasure.SetSchedule(r.Context(), caller(r), pp.Household.ID, pp.PersonID, category, period)
		}
		if err != nil {
			return s.dashboardFailed(w, r, p, pp, "schedule:"+category, err)
		}
		msg := "Periodic deletion is off: readings are kept for the category's retention period."
		if period != "off" {
			msg = "Saved: readings older than that are deleted on the next pass."
		}
		s.redirect(w, r, personBase(pp)+"/privacy#retention", msg)
		return nil
	}
}

// pageLocationPost changes the location settings: the overall precision
// and the one per feature, as PUT {p}/settings does with the other
// settings kept.
func (s *server) pageLocationPost() personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		ctx, hh, person := r.Context(), pp.Household.ID, pp.PersonID
		st, err := s.Subjects.Settings(ctx, caller(r), hh, person)
		if err == nil {
			st.Location = r.PostForm.Get("location")
			if st.Location == "" {
				err = hearth.FieldError("location", "choose a precision, or off")
			}
			fl := map[string]string{}
			for k, v := range st.FeatureLocation {
				fl[k] = v
			}
			for k, vs := range r.PostForm {
				if f, ok := strings.CutPrefix(k, "feature_location."); ok && len(vs) == 1 {
					if vs[0] == "" {
						delete(fl, f)
					} else {
						fl[f] = vs[0]
					}
				}
			}
			st.FeatureLocation = fl
		}
		if err == nil {
			_, err = s.Subjects.PutSettings(ctx, caller(r), hh, person, st)
		}
		if err != nil {
			return s.dashboardFailed(w, r, p, pp, "location", err)
		}
		s.redirect(w, r, personBase(pp)+"/privacy#location", "Your location setting is saved.")
		return nil
	}
}

// featurePage is the content of a feature's just-in-time notice.
type featurePage struct {
	Person personPage
	Base   string
	Notice subject.FeatureNotice
	// BasisText is each purpose's lawful basis in plain language, as the
	// dashboard states it.
	BasisText map[string]string
}

// pageFeature shows a feature's just-in-time notice before it is switched
// on or off, as GET {p}/features/{feature} gives it (CONSENT-MOMENTS).
func (s *server) pageFeature() personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		n, err := s.Subjects.PreviewFeature(r.Context(), caller(r), pp.Household.ID, pp.PersonID, r.PathValue("feature"))
		if err != nil {
			return err
		}
		o, err := s.Subjects.Overview(r.Context(), caller(r), pp.Household.ID, pp.PersonID)
		if err != nil {
			return err
		}
		fp := featurePage{Person: pp, Base: personBase(pp), Notice: n, BasisText: map[string]string{}}
		for _, c := range o.Categories {
			for _, pu := range c.Purposes {
				fp.BasisText[pu.ID] = pu.BasisText
			}
		}
		p.Title = n.Name
		p.Data = fp
		return s.render(w, r, http.StatusOK, "feature", p)
	}
}

// pageFeaturePost switches a feature on or off, as POST
// {p}/features/{feature} does. Switching on a feature whose purposes rest
// on consent not yet given leads to the consent page, where that consent
// is asked (CONSENT-MOMENTS): switching it on never gives consent.
func (s *server) pageFeaturePost() personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		feature := r.PathValue("feature")
		on, ok := onOff(r.PostForm.Get("enabled"))
		if !ok {
			return hearth.FieldError("enabled", "choose on or off")
		}
		n, err := s.Subjects.SetFeature(r.Context(), caller(r), pp.Household.ID, pp.PersonID, feature, on)
		if err != nil {
			return err
		}
		base := personBase(pp)
		if !on {
			s.redirect(w, r, base+"/privacy#features", n.Name+" is off. The dashboard below shows what uses "+whose(pp)+" data now.")
			return nil
		}
		if len(n.ConsentsNeeded) > 0 {
			s.redirect(w, r, base+"/consents?moment=feature&feature="+url.QueryEscape(feature)+"#purpose-"+n.ConsentsNeeded[0].Purpose,
				n.Name+" is on. What rests on consent stays off until it is given below.")
			return nil
		}
		s.redirect(w, r, base+"/privacy#features", n.Name+" is on.")
		return nil
	}
}
