package http

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/http/web"
	"github.com/hearth-iot/hearth/notify"
)

// notificationPages registers the notifications page and the page that
// accepts new terms of service.
func (s *server) notificationPages(handle func(pattern string, h http.Handler)) {
	handle("GET /notifications", s.page("notifications", s.pageNotifications()))
	handle("POST /notifications/{id}/read", s.page("notifications", s.pageMarkReadPost()))
	handle("GET /terms/accept", s.page("account", s.pageTerms()))
	handle("POST /terms/accept", s.page("account", s.pageAcceptTermsPost()))
}

// notificationsPage is the content of the notifications page.
type notificationsPage struct {
	Items    []noticeItem
	Cursor   string              // this page's cursor; "" on the newest page
	Next     string              // the cursor of the next (older) page; "" on the last
	Terms    *notify.TermsStatus // nil when the product declares no terms
	Profiles []profileNotices    // the newest notifications of the profiles the person acts for
}

// profileNotices are the newest notifications of a person without an
// account, shown to the household's owners and the person's guardian
// (CONSENT-MULTIUSER), as GET /v1/households/{hh}/people/{person}/notifications
// lists them.
type profileNotices struct {
	Name, Household string
	Items           []noticeItem
}

// noticeItem is one notification with where the person acts on it.
type noticeItem struct {
	ID, Title, Body string
	Kind            hearth.NotificationKind
	Household       string    // the household's name; "" if none
	Created, Read   time.Time // Read is zero until it is marked read
	Links           []noticeLink
	Own             bool // the reader's own, which they mark read
}

// noticeLink is a place a notification sends the person to act.
type noticeLink struct {
	Href, Text string
}

// pageNotifications lists the signed-in person's notifications, newest
// first, a page at a time (as GET /v1/me/notifications), each with links
// to where the person acts on it; on the first page, those of the
// profiles they act for too.
func (s *server) pageNotifications() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if s.Notify == nil {
			return hearth.Errorf(hearth.ENOTFOUND, "notifications and terms are not served here")
		}
		cursor := r.URL.Query().Get("cursor")
		pg, err := s.Notify.List(r.Context(), caller(r), cursor, 0)
		if err != nil {
			return err
		}
		d := notificationsPage{Cursor: cursor, Next: pg.Next}
		if ts, err := s.Notify.TermsStatus(r.Context(), caller(r)); err == nil {
			d.Terms = &ts
		} else if hearth.ErrorCode(err) != hearth.ENOTFOUND {
			return err
		}
		links := noticeLinker{s: s, ctx: r.Context(), me: caller(r), names: map[string]string{}, devices: map[string][]noticeLink{}}
		for _, h := range p.Households {
			links.names[h.ID] = h.Name
		}
		d.Items = links.items(pg.Items, "your")
		if cursor == "" {
			if d.Profiles, err = s.profileNotices(r.Context(), p.Households, &links); err != nil {
				return err
			}
		}
		p.Title = "Notifications"
		p.Data = d
		return s.render(w, r, http.StatusOK, "notifications", p)
	}
}

// profileNotices returns the newest notifications of every profile (a
// person without an account) of hhs whose notifications the caller may
// read: as an owner of the household or the profile's guardian
// (notify.Service.ListFor decides).
func (s *server) profileNotices(ctx context.Context, hhs []web.NavHousehold, links *noticeLinker) ([]profileNotices, error) {
	var out []profileNotices
	for _, h := range hhs {
		ms, err := s.Households.Members(ctx, links.me, h.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.HasAccount {
				continue
			}
			pg, err := s.Notify.ListFor(ctx, links.me, h.ID, m.PersonID, "", 0)
			if hearth.ErrorCode(err) == hearth.EFORBIDDEN {
				continue
			} else if err != nil {
				return nil, err
			}
			if len(pg.Items) > 0 {
				out = append(out, profileNotices{Name: m.DisplayName, Household: h.Name, Items: links.items(pg.Items, m.DisplayName+"'s")})
			}
		}
	}
	return out, nil
}

// noticeLinker finds where a notification sends the person, looking up
// each household's devices once.
type noticeLinker struct {
	s       *server
	ctx     context.Context
	me      string
	names   map[string]string       // household ID → name, of the households the person is in
	devices map[string][]noticeLink // household ID → links to its devices' pages
}

// items returns ns with their links; whose names the person they concern
// ("your", "Kid's").
func (l *noticeLinker) items(ns []hearth.Notification, whose string) []noticeItem {
	var out []noticeItem
	for _, n := range ns {
		out = append(out, noticeItem{ID: n.ID, Title: n.Title, Body: n.Body, Kind: n.Kind,
			Household: l.names[n.HouseholdID], Created: n.Created, Read: n.Read, Links: l.of(n, whose), Own: n.PersonID == l.me})
	}
	return out
}

// of returns the links of n: terms to accept → the accept form; a change
// in processing or a consent needed → the consent page, in the household,
// of the person it concerns; a firmware update or an unsupported device →
// the pages of the household's devices; a device that left → the
// household; someone signing up with the person's address → the account
// page.
func (l *noticeLinker) of(n hearth.Notification, whose string) []noticeLink {
	hh := n.HouseholdID
	member := hh != "" && l.names[hh] != ""
	household := "/households/" + url.PathEscape(hh)
	consents := household + "/people/" + url.PathEscape(n.PersonID) + "/consents"
	switch n.Kind {
	case hearth.NotifyTermsChanged:
		return []noticeLink{{"/terms/accept", "Read and accept the new terms"}}
	case hearth.NotifyManifestChanged:
		if member {
			return []noticeLink{{consents + "?moment=change", "Review " + whose + " consents in " + l.names[hh]}, {"/privacy", "Read the privacy notice"}}
		}
		return []noticeLink{{"/privacy", "Read the privacy notice"}}
	case hearth.NotifyConsentNeeded:
		if member {
			return []noticeLink{{consents, "Decide on " + whose + " consent page in " + l.names[hh]}}
		}
	case hearth.NotifyFirmwareSubstantial, hearth.NotifyDeviceUnsupported:
		if member {
			return append(slices.Clip(l.deviceLinks(hh)), noticeLink{household, "See " + l.names[hh]})
		}
	case hearth.NotifyDeviceLifecycle:
		if member {
			return []noticeLink{{household, "See " + l.names[hh]}}
		}
	case hearth.NotifySignUpAttempt:
		return []noticeLink{{"/account", "Check your account: change your password or sign out everywhere"}}
	}
	return nil
}

// deviceLinks returns links to the pages of household hh's devices, as
// GET /v1/households/{hh}/devices lists them; none if they cannot be
// listed (the notification still shows).
func (l *noticeLinker) deviceLinks(hh string) []noticeLink {
	if links, ok := l.devices[hh]; ok {
		return links
	}
	ds, err := l.s.Households.Devices(l.ctx, l.me, hh)
	var links []noticeLink
	if err == nil {
		for _, d := range ds {
			links = append(links, noticeLink{"/households/" + url.PathEscape(hh) + "/devices/" + url.PathEscape(d.ID),
				"Open the page of device " + d.ID + " (" + d.Model + ")"})
		}
	}
	l.devices[hh] = links
	return links
}

// pageMarkReadPost marks one notification read, as POST
// /v1/me/notifications/{id}/read does; marking it again keeps the first
// time, and another person's notification is not found.
func (s *server) pageMarkReadPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if s.Notify == nil {
			return hearth.Errorf(hearth.ENOTFOUND, "notifications and terms are not served here")
		}
		if err := s.Notify.MarkRead(r.Context(), caller(r), r.PathValue("id")); err != nil {
			return err
		}
		back := "/notifications"
		if c := r.PostForm.Get("cursor"); c != "" {
			back += "?cursor=" + url.QueryEscape(c)
		}
		s.redirect(w, r, back, "Marked as read.")
		return nil
	}
}

// termsPage is the content of the page that accepts the terms.
type termsPage struct {
	Terms  notify.TermsView
	Status notify.TermsStatus
}

// pageTerms shows the current terms, what changed, and the person's
// accepted version, with the form that accepts the current one
// (TOS-PERMISSION).
func (s *server) pageTerms() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		return s.renderTerms(w, r, p, nil)
	}
}

// renderTerms renders the terms page; failed is the error of an
// acceptance that was refused, or nil.
func (s *server) renderTerms(w http.ResponseWriter, r *http.Request, p *web.Page, failed error) error {
	if s.Notify == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "notifications and terms are not served here")
	}
	t, err := s.Notify.Terms()
	if err != nil {
		return err
	}
	st, err := s.Notify.TermsStatus(r.Context(), caller(r))
	if err != nil {
		return err
	}
	p.Title = "Terms of service"
	p.Data = termsPage{Terms: t, Status: st}
	if failed != nil {
		return s.formFailed(w, r, p, "terms_accept", failed)
	}
	return s.render(w, r, http.StatusOK, "terms_accept", p)
}

// pageAcceptTermsPost accepts the version of the terms the form showed,
// as POST /v1/me/terms does: a version that is no longer the current one
// is refused, so nobody accepts terms they were not shown.
func (s *server) pageAcceptTermsPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if s.Notify == nil {
			return hearth.Errorf(hearth.ENOTFOUND, "notifications and terms are not served here")
		}
		st, err := s.Notify.AcceptTerms(r.Context(), caller(r), r.PostForm.Get("version"))
		if err != nil {
			return s.renderTerms(w, r, p, err)
		}
		s.redirect(w, r, "/notifications", "You accepted version "+st.Accepted+" of the terms of service.")
		return nil
	}
}
